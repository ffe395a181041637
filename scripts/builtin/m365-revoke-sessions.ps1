#Requires -Modules Microsoft.Graph.Users.Actions
# Sign a user out everywhere: revokes their refresh tokens and session cookies in Microsoft Entra ID,
# so apps ask them to sign in again (within minutes; up to an hour for some). If the account may be
# compromised, reset the password first.

$UserPrincipalName = {{user_principal_name}}

$ErrorActionPreference = 'Stop'
Import-Module Microsoft.Graph.Users.Actions
Connect-MgGraph -Scopes 'User.RevokeSessions.All' -NoWelcome

if (Revoke-MgUserSignInSession -UserId $UserPrincipalName) {
    'Sessions revoked for {0}.' -f $UserPrincipalName
}
