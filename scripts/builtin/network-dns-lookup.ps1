# Resolve a DNS name with this computer's DNS servers, or with a given server (e.g. a domain controller
# or a public resolver, to compare). An IP address is looked up in reverse (PTR).

$HostName = {{host_name}}
$RecordType = {{record_type}}
$DnsServer = {{dns_server}}

$Lookup = @{ Name = $HostName; Type = $RecordType; DnsOnly = $true }
if ($HostName -as [ipaddress]) { $Lookup.Type = 'PTR' }
if ($DnsServer) { $Lookup.Server = $DnsServer }

Resolve-DnsName @Lookup | Format-Table -AutoSize
