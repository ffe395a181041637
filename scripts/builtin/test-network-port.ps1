# Test from this computer whether a server answers on a TCP port: name resolution, ping and the TCP
# connection. TcpTestSucceeded False with PingSucceeded True usually means a firewall or a stopped service.

$ComputerName = {{computer_name}}
$Port = {{port}}

Test-NetConnection -ComputerName $ComputerName -Port $Port -InformationLevel Detailed
