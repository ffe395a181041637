#Requires -RunAsAdministrator
# Clear stuck print jobs: stop the Print Spooler, delete the queued job files, start it again.
# Every job queued on this computer is deleted, not only the stuck one.

$ErrorActionPreference = 'Stop'
$SpoolFolder = Join-Path -Path $env:SystemRoot -ChildPath 'System32\spool\PRINTERS'

Stop-Service -Name Spooler -Force
Get-ChildItem -LiteralPath $SpoolFolder -File | Remove-Item -Force
Start-Service -Name Spooler

Get-Service -Name Spooler | Select-Object Name, Status, StartType
