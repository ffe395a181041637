#Requires -Modules ExchangeOnlineManagement
# For a possibly compromised mailbox: its forwarding settings, then every inbox rule (hidden ones too),
# with rules that forward, redirect, delete or hide mail flagged as suspicious. Read-only.

$Mailbox = {{mailbox}}

$ErrorActionPreference = 'Stop'
Import-Module ExchangeOnlineManagement
Connect-ExchangeOnline -ShowBanner:$false

Get-EXOMailbox -Identity $Mailbox -Properties ForwardingAddress, ForwardingSmtpAddress, DeliverToMailboxAndForward |
    Select-Object DisplayName, ForwardingAddress, ForwardingSmtpAddress, DeliverToMailboxAndForward |
    Format-List

$HidingFolders = 'RSS|Conversation History|Archive|Deleted Items|Junk'
Get-InboxRule -Mailbox $Mailbox -IncludeHidden |
    Select-Object Name, Enabled,
        @{ Name = 'Suspicious'; Expression = { [bool]($_.ForwardTo -or $_.ForwardAsAttachmentTo -or $_.RedirectTo -or $_.DeleteMessage -or ($_.MoveToFolder -match $HidingFolders)) } },
        From, SubjectContainsWords, ForwardTo, RedirectTo, MoveToFolder, DeleteMessage |
    Format-List
