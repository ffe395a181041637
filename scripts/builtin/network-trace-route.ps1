# Trace the route from this computer to a host, hop by hop. Hops that show 0.0.0.0 do not answer
# traceroute probes; only the last answering hop matters.

$ComputerName = {{computer_name}}
$MaxHops = {{max_hops}}

Test-NetConnection -ComputerName $ComputerName -TraceRoute -Hops $MaxHops
