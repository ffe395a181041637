#Requires -Modules ActiveDirectory
# Find which computer keeps locking an account out, from the lockout events (ID 4740) in the PDC
# emulator's Security log. The caller computer is where the old password is still used: a phone, a
# mapped drive, a scheduled task or a service. Run as a user who may read that log (Event Log Readers).

$SamAccountName = {{sam_account_name}}
$Hours = {{hours}}

$ErrorActionPreference = 'Stop'
Import-Module ActiveDirectory

$Pdc = (Get-ADDomain).PDCEmulator
$Filter = @{ LogName = 'Security'; Id = 4740; StartTime = (Get-Date).AddHours(-$Hours) }
$Lockouts = Get-WinEvent -ComputerName $Pdc -FilterHashtable $Filter -ErrorAction SilentlyContinue |
    Where-Object { $_.Properties[0].Value -eq $SamAccountName }

if (-not $Lockouts) {
    Write-Output "No lockout of $SamAccountName logged on $Pdc in the last $Hours hours."
} else {
    $Lockouts | Select-Object TimeCreated,
        @{ Name = 'Account'; Expression = { $_.Properties[0].Value } },
        @{ Name = 'CallerComputer'; Expression = { $_.Properties[1].Value } } |
        Format-Table -AutoSize
}
