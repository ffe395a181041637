#Requires -Modules Microsoft.Graph.Users, Microsoft.Graph.Users.Actions
# Block a user from signing in to Microsoft 365 and sign them out everywhere. Their mailbox keeps
# receiving mail. For an account synchronised from Active Directory, disable it there instead: the next
# sync would unblock it.

$UserPrincipalName = {{user_principal_name}}

$ErrorActionPreference = 'Stop'
Import-Module Microsoft.Graph.Users, Microsoft.Graph.Users.Actions
Connect-MgGraph -Scopes 'User.ReadWrite.All', 'User.RevokeSessions.All' -NoWelcome

Update-MgUser -UserId $UserPrincipalName -AccountEnabled:$false
Revoke-MgUserSignInSession -UserId $UserPrincipalName | Out-Null

Get-MgUser -UserId $UserPrincipalName -Property DisplayName, UserPrincipalName, AccountEnabled, OnPremisesSyncEnabled |
    Select-Object DisplayName, UserPrincipalName, AccountEnabled, OnPremisesSyncEnabled
