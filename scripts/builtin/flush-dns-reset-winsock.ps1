#Requires -RunAsAdministrator
# Flush the DNS client cache, register the computer in DNS again, and reset Winsock and the TCP/IP
# stack. The network keeps working until the restart that finishes the reset, so this is safe to run
# over a remote session.

Clear-DnsClientCache
ipconfig.exe /flushdns
ipconfig.exe /registerdns
netsh.exe winsock reset
netsh.exe int ip reset

Write-Warning 'Restart the computer to finish the Winsock and TCP/IP reset.'
