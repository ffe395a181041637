#Requires -RunAsAdministrator
# Free space on the system drive: temporary files older than a number of days (Windows' and every
# profile's), the Recycle Bin, and optionally the Windows Update download cache. Files in use are
# skipped. Reports the space freed.

$MinAgeDays = {{min_age_days}}
$IncludeUpdateCache = {{include_update_cache}}

$DriveName = $env:SystemDrive.TrimEnd(':')
$FreeBefore = (Get-PSDrive -Name $DriveName).Free
$Cutoff = (Get-Date).AddDays(-$MinAgeDays)

$TempFolders = @(Join-Path -Path $env:SystemRoot -ChildPath 'Temp')
$TempFolders += Get-ChildItem -LiteralPath (Join-Path -Path $env:SystemDrive -ChildPath 'Users') -Directory |
    ForEach-Object { Join-Path -Path $_.FullName -ChildPath 'AppData\Local\Temp' }
foreach ($Folder in $TempFolders) {
    if (-not (Test-Path -LiteralPath $Folder)) { continue }
    Get-ChildItem -LiteralPath $Folder -Recurse -Force -File -ErrorAction SilentlyContinue |
        Where-Object LastWriteTime -lt $Cutoff |
        Remove-Item -Force -ErrorAction SilentlyContinue
}

Clear-RecycleBin -DriveLetter $DriveName -Force -ErrorAction SilentlyContinue

if ($IncludeUpdateCache) {
    Stop-Service -Name wuauserv, bits -Force
    Get-ChildItem -LiteralPath (Join-Path -Path $env:SystemRoot -ChildPath 'SoftwareDistribution\Download') -Force |
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
    Start-Service -Name wuauserv, bits
}

$FreeAfter = (Get-PSDrive -Name $DriveName).Free
'{0:N2} GB freed on {1}; {2:N2} GB free now.' -f (($FreeAfter - $FreeBefore) / 1GB), $env:SystemDrive, ($FreeAfter / 1GB)
