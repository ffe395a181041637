#Requires -Modules ActiveDirectory
# Add a user to an Active Directory group, or remove them from it, then confirm the membership.
# The user gets the new group's access at their next sign-in (or after klist purge).

$SamAccountName = {{sam_account_name}}
$GroupName = {{group_name}}
$Action = {{action}}

$ErrorActionPreference = 'Stop'
Import-Module ActiveDirectory

$Group = Get-ADGroup -Identity $GroupName
if ($Action -eq 'Add') {
    Add-ADGroupMember -Identity $Group -Members $SamAccountName
} else {
    Remove-ADGroupMember -Identity $Group -Members $SamAccountName -Confirm:$false
}

$MemberOf = (Get-ADUser -Identity $SamAccountName -Properties MemberOf).MemberOf
if ($MemberOf -contains $Group.DistinguishedName) {
    '{0} is a member of {1}.' -f $SamAccountName, $Group.Name
} else {
    '{0} is not a member of {1}.' -f $SamAccountName, $Group.Name
}
