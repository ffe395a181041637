#Requires -RunAsAdministrator
# Export the last hours of an event log to an .evtx file (opens in Event Viewer on any computer), named
# after the computer, the log and the time.

$LogName = {{log_name}}
$Hours = {{hours}}
$OutputFolder = {{output_folder}}

$ErrorActionPreference = 'Stop'

New-Item -ItemType Directory -Path $OutputFolder -Force | Out-Null
$FileName = '{0}-{1}-{2:yyyyMMdd-HHmm}.evtx' -f $env:COMPUTERNAME, $LogName, (Get-Date)
$File = Join-Path -Path $OutputFolder -ChildPath $FileName
$Milliseconds = $Hours * 3600000
$Query = '*[System[TimeCreated[timediff(@SystemTime) <= {0}]]]' -f $Milliseconds

wevtutil.exe export-log $LogName $File /query:$Query /overwrite:true
if ($LASTEXITCODE -ne 0) { throw ('wevtutil failed with exit code {0}.' -f $LASTEXITCODE) }

Get-Item -LiteralPath $File | Select-Object FullName, @{ Name = 'SizeMB'; Expression = { [math]::Round($_.Length / 1MB, 1) } }
