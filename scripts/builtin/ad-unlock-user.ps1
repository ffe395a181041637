#Requires -Modules ActiveDirectory
# Unlock an Active Directory account and show its lockout state. If it locks again, run "Find the
# source of an AD lockout": a device somewhere still has the old password.

$SamAccountName = {{sam_account_name}}

$ErrorActionPreference = 'Stop'
Import-Module ActiveDirectory

Unlock-ADAccount -Identity $SamAccountName
Get-ADUser -Identity $SamAccountName -Properties LockedOut, PasswordExpired, BadLogonCount, LastBadPasswordAttempt |
    Select-Object SamAccountName, Enabled, LockedOut, PasswordExpired, BadLogonCount, LastBadPasswordAttempt
