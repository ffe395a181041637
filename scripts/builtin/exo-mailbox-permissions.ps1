#Requires -Modules ExchangeOnlineManagement
# Grant a user Full Access, Send As or Send on Behalf on a mailbox in Exchange Online. With Full Access
# and auto-mapping, Outlook adds the mailbox by itself within about an hour.

$Mailbox = {{mailbox}}
$User = {{user_principal_name}}
$AccessRights = {{access_rights}}
$AutoMapping = {{auto_mapping}}

$ErrorActionPreference = 'Stop'
Import-Module ExchangeOnlineManagement
Connect-ExchangeOnline -ShowBanner:$false

switch ($AccessRights) {
    'FullAccess' {
        Add-MailboxPermission -Identity $Mailbox -User $User -AccessRights FullAccess -InheritanceType All -AutoMapping $AutoMapping
        Get-EXOMailboxPermission -Identity $Mailbox | Where-Object User -eq $User
    }
    'SendAs' {
        Add-RecipientPermission -Identity $Mailbox -Trustee $User -AccessRights SendAs -Confirm:$false
        Get-EXORecipientPermission -Identity $Mailbox | Where-Object Trustee -eq $User
    }
    'SendOnBehalf' {
        Set-Mailbox -Identity $Mailbox -GrantSendOnBehalfTo @{ Add = $User }
        Get-EXOMailbox -Identity $Mailbox -Properties GrantSendOnBehalfTo | Select-Object DisplayName, GrantSendOnBehalfTo
    }
}
