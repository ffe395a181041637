#Requires -Modules ExchangeOnlineManagement
# Trace messages to a recipient (optionally from one sender) with Get-MessageTraceV2
# (ExchangeOnlineManagement 3.7 or later): delivered, quarantined, failed or still pending.

$Recipient = {{recipient}}
$Sender = {{sender}}
$Hours = {{hours}}

$ErrorActionPreference = 'Stop'
Import-Module ExchangeOnlineManagement
Connect-ExchangeOnline -ShowBanner:$false

$Trace = @{ RecipientAddress = $Recipient; StartDate = (Get-Date).AddHours(-$Hours); EndDate = (Get-Date) }
if ($Sender) { $Trace.SenderAddress = $Sender }
Get-MessageTraceV2 @Trace |
    Sort-Object -Property Received -Descending |
    Select-Object Received, SenderAddress, RecipientAddress, Subject, Status |
    Format-Table -AutoSize
