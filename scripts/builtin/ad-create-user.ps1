#Requires -Modules ActiveDirectory
# Create an Active Directory user for a new starter: enabled, in the given OU, with an initial password
# that must be changed at first logon. Group memberships and a mailbox are separate steps.

$GivenName = {{given_name}}
$Surname = {{surname}}
$SamAccountName = {{sam_account_name}}
$UserPrincipalName = {{user_principal_name}}
$Ou = {{ou}}
$Password = ConvertTo-SecureString -String {{initial_password}} -AsPlainText -Force

$ErrorActionPreference = 'Stop'
Import-Module ActiveDirectory

$DisplayName = '{0} {1}' -f $GivenName, $Surname
$NewUser = @{
    Name                  = $DisplayName
    DisplayName           = $DisplayName
    GivenName             = $GivenName
    Surname               = $Surname
    SamAccountName        = $SamAccountName
    UserPrincipalName     = $UserPrincipalName
    EmailAddress          = $UserPrincipalName
    Path                  = $Ou
    AccountPassword       = $Password
    ChangePasswordAtLogon = $true
    Enabled               = $true
}
New-ADUser @NewUser

Get-ADUser -Identity $SamAccountName | Select-Object Name, SamAccountName, UserPrincipalName, Enabled, DistinguishedName
