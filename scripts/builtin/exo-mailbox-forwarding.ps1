#Requires -Modules ExchangeOnlineManagement
# Forward a mailbox's incoming mail to another address, keeping a copy in the mailbox or not.
# Forwarding outside the organisation is blocked unless the outbound spam policy allows it.

$Mailbox = {{mailbox}}
$ForwardTo = {{forward_to}}
$KeepCopy = {{keep_copy}}

$ErrorActionPreference = 'Stop'
Import-Module ExchangeOnlineManagement
Connect-ExchangeOnline -ShowBanner:$false

Set-Mailbox -Identity $Mailbox -ForwardingSmtpAddress $ForwardTo -DeliverToMailboxAndForward $KeepCopy
Get-EXOMailbox -Identity $Mailbox -Properties ForwardingSmtpAddress, DeliverToMailboxAndForward |
    Select-Object DisplayName, PrimarySmtpAddress, ForwardingSmtpAddress, DeliverToMailboxAndForward
