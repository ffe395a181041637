#Requires -RunAsAdministrator
# Restart a Windows service, found by its name or display name, then start again the services that
# depend on it and were running. Run on the computer where the service runs.

$ServiceName = {{service_name}}

$ErrorActionPreference = 'Stop'

$Service = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if (-not $Service) {
    $Service = Get-Service -DisplayName $ServiceName
}
$RunningDependents = @($Service.DependentServices | Where-Object Status -eq 'Running')

Restart-Service -InputObject $Service -Force
$RunningDependents | Start-Service

Get-Service -Name $Service.Name | Select-Object Name, DisplayName, Status, StartType
$RunningDependents | ForEach-Object { Get-Service -Name $_.Name } | Select-Object Name, DisplayName, Status
