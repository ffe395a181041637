#Requires -RunAsAdministrator
# Repair Windows: first the component store (DISM, which downloads good files from Windows Update),
# then the protected system files (SFC, which uses that store). Takes 10 to 30 minutes; restart after.
# The SFC log is %WINDIR%\Logs\CBS\CBS.log.

dism.exe /Online /Cleanup-Image /RestoreHealth
if ($LASTEXITCODE -ne 0) { Write-Warning ('DISM ended with exit code {0}; SFC runs anyway.' -f $LASTEXITCODE) }

sfc.exe /scannow
Write-Warning 'Restart the computer to finish any repairs.'
