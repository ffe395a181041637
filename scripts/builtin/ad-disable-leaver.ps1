#Requires -Modules ActiveDirectory
# Off-board a leaver: disable the Active Directory account, stamp its description with the date (and
# ticket), remove its group memberships (the primary group, Domain Users, stays) and optionally move it
# to a disabled-users OU. The groups removed are listed so they can go on the ticket.

$SamAccountName = {{sam_account_name}}
$DisabledOu = {{disabled_ou}}
$RemoveGroups = {{remove_groups}}
$Ticket = {{ticket_reference}}

$ErrorActionPreference = 'Stop'
Import-Module ActiveDirectory

$User = Get-ADUser -Identity $SamAccountName -Properties MemberOf, Description
Disable-ADAccount -Identity $User

$Stamp = 'Disabled {0:yyyy-MM-dd} by {1}' -f (Get-Date), $env:USERNAME
if ($Ticket) { $Stamp = '{0}, ticket {1}' -f $Stamp, $Ticket }
Set-ADUser -Identity $User -Description $Stamp

if ($RemoveGroups -and $User.MemberOf) {
    $User.MemberOf | Get-ADGroup | Sort-Object -Property Name | ForEach-Object { 'Removed from: {0}' -f $_.Name }
    Remove-ADPrincipalGroupMembership -Identity $User -MemberOf $User.MemberOf -Confirm:$false
}
if ($DisabledOu) {
    Move-ADObject -Identity $User.DistinguishedName -TargetPath $DisabledOu
}

Get-ADUser -Identity $SamAccountName -Properties Description |
    Select-Object SamAccountName, Enabled, Description, DistinguishedName
