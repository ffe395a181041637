#Requires -Modules ExchangeOnlineManagement
# Put a mailbox on litigation hold: nothing in it can be purged, deleted and edited items are kept.
# Needs Exchange Online Plan 2 (or the Exchange Online Archiving add-on) on the mailbox.

$Mailbox = {{mailbox}}
$DurationDays = {{duration_days}}
$Comment = {{retention_comment}}

$ErrorActionPreference = 'Stop'
Import-Module ExchangeOnlineManagement
Connect-ExchangeOnline -ShowBanner:$false

$Hold = @{ Identity = $Mailbox; LitigationHoldEnabled = $true }
if ($DurationDays -gt 0) { $Hold.LitigationHoldDuration = $DurationDays }
if ($Comment) { $Hold.RetentionComment = $Comment }
Set-Mailbox @Hold

Get-EXOMailbox -Identity $Mailbox -Properties LitigationHoldEnabled, LitigationHoldDuration, LitigationHoldDate, RetentionComment |
    Select-Object DisplayName, LitigationHoldEnabled, LitigationHoldDuration, LitigationHoldDate, RetentionComment
