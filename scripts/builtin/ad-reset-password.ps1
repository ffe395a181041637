#Requires -Modules ActiveDirectory
# Reset an Active Directory user's password, optionally unlock the account and require a change at
# next logon. Run on a domain controller or a computer with RSAT, as a user allowed to reset passwords.

$SamAccountName = {{sam_account_name}}
$NewPassword = ConvertTo-SecureString -String {{new_password}} -AsPlainText -Force
$ChangeAtLogon = {{must_change_at_logon}}
$Unlock = {{unlock_account}}

$ErrorActionPreference = 'Stop'
Import-Module ActiveDirectory

Set-ADAccountPassword -Identity $SamAccountName -Reset -NewPassword $NewPassword
Set-ADUser -Identity $SamAccountName -ChangePasswordAtLogon $ChangeAtLogon
if ($Unlock) {
    Unlock-ADAccount -Identity $SamAccountName
}

Get-ADUser -Identity $SamAccountName -Properties LockedOut, PasswordLastSet |
    Select-Object SamAccountName, Enabled, LockedOut, PasswordLastSet
