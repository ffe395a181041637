#Requires -Modules Microsoft.Graph.Identity.SignIns, Microsoft.Graph.Users.Actions
# Remove a user's registered MFA methods so they must register again at next sign-in (a lost phone, a
# new phone, a compromised account). The password is kept. If a method cannot be removed because it is
# the default, run the script again: another method has become the default.

$UserPrincipalName = {{user_principal_name}}
$RevokeSessions = {{revoke_sessions}}

$ErrorActionPreference = 'Stop'
Import-Module Microsoft.Graph.Identity.SignIns, Microsoft.Graph.Users.Actions
Connect-MgGraph -Scopes 'UserAuthenticationMethod.ReadWrite.All', 'User.RevokeSessions.All' -NoWelcome

foreach ($Method in Get-MgUserAuthenticationMethod -UserId $UserPrincipalName) {
    $Type = $Method.AdditionalProperties['@odata.type']
    $Removed = $true
    switch ($Type) {
        '#microsoft.graph.phoneAuthenticationMethod' {
            Remove-MgUserAuthenticationPhoneMethod -UserId $UserPrincipalName -PhoneAuthenticationMethodId $Method.Id
        }
        '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod' {
            Remove-MgUserAuthenticationMicrosoftAuthenticatorMethod -UserId $UserPrincipalName -MicrosoftAuthenticatorAuthenticationMethodId $Method.Id
        }
        '#microsoft.graph.softwareOathAuthenticationMethod' {
            Remove-MgUserAuthenticationSoftwareOathMethod -UserId $UserPrincipalName -SoftwareOathAuthenticationMethodId $Method.Id
        }
        '#microsoft.graph.fido2AuthenticationMethod' {
            Remove-MgUserAuthenticationFido2Method -UserId $UserPrincipalName -Fido2AuthenticationMethodId $Method.Id
        }
        '#microsoft.graph.emailAuthenticationMethod' {
            Remove-MgUserAuthenticationEmailMethod -UserId $UserPrincipalName -EmailAuthenticationMethodId $Method.Id
        }
        '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod' {
            Remove-MgUserAuthenticationWindowsHelloForBusinessMethod -UserId $UserPrincipalName -WindowsHelloForBusinessAuthenticationMethodId $Method.Id
        }
        default { $Removed = $false }
    }
    if ($Removed) { 'Removed {0}' -f ($Type -replace '^#microsoft\.graph\.', '') }
}

if ($RevokeSessions) {
    Revoke-MgUserSignInSession -UserId $UserPrincipalName | Out-Null
    'Sessions revoked for {0}.' -f $UserPrincipalName
}
