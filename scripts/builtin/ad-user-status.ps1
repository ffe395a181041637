#Requires -Modules ActiveDirectory
# Everything that stops an Active Directory user signing in, in one view. Read-only.

$SamAccountName = {{sam_account_name}}

$ErrorActionPreference = 'Stop'
Import-Module ActiveDirectory

$Properties = 'LockedOut', 'PasswordExpired', 'PasswordLastSet', 'PasswordNeverExpires', 'AccountExpirationDate',
    'LastLogonDate', 'LastBadPasswordAttempt', 'BadLogonCount', 'msDS-UserPasswordExpiryTimeComputed'
$User = Get-ADUser -Identity $SamAccountName -Properties $Properties

$PasswordExpires = 'Never'
if (-not $User.PasswordNeverExpires -and $User.'msDS-UserPasswordExpiryTimeComputed' -gt 0) {
    $PasswordExpires = [datetime]::FromFileTime($User.'msDS-UserPasswordExpiryTimeComputed')
}

[pscustomobject]@{
    Name                   = $User.Name
    SamAccountName         = $User.SamAccountName
    UserPrincipalName      = $User.UserPrincipalName
    Enabled                = $User.Enabled
    LockedOut              = $User.LockedOut
    PasswordExpired        = $User.PasswordExpired
    MustChangePassword     = ($null -eq $User.PasswordLastSet)
    PasswordLastSet        = $User.PasswordLastSet
    PasswordExpires        = $PasswordExpires
    AccountExpires         = $User.AccountExpirationDate
    LastLogon              = $User.LastLogonDate
    LastBadPasswordAttempt = $User.LastBadPasswordAttempt
    BadLogonCount          = $User.BadLogonCount
} | Format-List
