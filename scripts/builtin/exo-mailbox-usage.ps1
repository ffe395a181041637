#Requires -Modules ExchangeOnlineManagement
# How full a mailbox is: size, items, deleted items, quotas, archive status and the fullest folders.
# Read-only.

$Mailbox = {{mailbox}}

$ErrorActionPreference = 'Stop'
Import-Module ExchangeOnlineManagement
Connect-ExchangeOnline -ShowBanner:$false

$Statistics = Get-EXOMailboxStatistics -Identity $Mailbox
$Settings = Get-EXOMailbox -Identity $Mailbox -PropertySets Quota, Archive

[pscustomobject]@{
    Mailbox           = $Statistics.DisplayName
    Items             = $Statistics.ItemCount
    TotalSize         = $Statistics.TotalItemSize
    DeletedItemsSize  = $Statistics.TotalDeletedItemSize
    IssueWarningQuota = $Settings.IssueWarningQuota
    ProhibitSendQuota = $Settings.ProhibitSendQuota
    ArchiveStatus     = $Settings.ArchiveStatus
} | Format-List

Get-EXOMailboxFolderStatistics -Identity $Mailbox |
    Sort-Object -Property ItemsInFolder -Descending |
    Select-Object -First 10 Name, ItemsInFolder, FolderSize |
    Format-Table -AutoSize
