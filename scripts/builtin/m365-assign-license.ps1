#Requires -Modules Microsoft.Graph.Users, Microsoft.Graph.Users.Actions, Microsoft.Graph.Identity.DirectoryManagement
# Assign a Microsoft 365 licence to a user by SKU part number, after checking the tenant has one free.
# A user needs a usage location before any licence can be assigned.

$UserPrincipalName = {{user_principal_name}}
$SkuPartNumber = {{sku_part_number}}
$UsageLocation = {{usage_location}}

$ErrorActionPreference = 'Stop'
Import-Module Microsoft.Graph.Users, Microsoft.Graph.Users.Actions, Microsoft.Graph.Identity.DirectoryManagement
Connect-MgGraph -Scopes 'User.ReadWrite.All', 'Organization.Read.All' -NoWelcome

$Skus = Get-MgSubscribedSku -All
$Sku = $Skus | Where-Object SkuPartNumber -eq $SkuPartNumber
if (-not $Sku) {
    throw ('No subscription {0} in this tenant. Available: {1}' -f $SkuPartNumber, ($Skus.SkuPartNumber -join ', '))
}
if ($Sku.ConsumedUnits -ge $Sku.PrepaidUnits.Enabled) {
    throw ('No free {0} licence: {1} of {2} in use.' -f $SkuPartNumber, $Sku.ConsumedUnits, $Sku.PrepaidUnits.Enabled)
}

if ($UsageLocation) {
    Update-MgUser -UserId $UserPrincipalName -UsageLocation $UsageLocation.ToUpper()
}
Set-MgUserLicense -UserId $UserPrincipalName -AddLicenses @(@{ SkuId = $Sku.SkuId }) -RemoveLicenses @() | Out-Null

Get-MgUserLicenseDetail -UserId $UserPrincipalName | Select-Object SkuPartNumber, SkuId
