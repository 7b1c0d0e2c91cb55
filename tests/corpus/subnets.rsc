# Address arithmetic from the manual's operators: network and broadcast of an interface address, a host range,
# membership with `in`, and names resolved through the router's static DNS.
/ip address add address=172.16.40.77/22 interface=ether3 comment=servers
/ip dns static add name=nas.lab address=172.16.41.10
/ip dns static add name=printer.lab address=10.9.9.9
:local cidr [/ip address get [find comment=servers] address]
:local slash [:find $cidr "/"]
:local ip [:toip [:pick $cidr 0 $slash]]
:local bits [:tonum [:pick $cidr ($slash + 1) [:len $cidr]]]
:local mask (255.255.255.255 << (32 - $bits))
:local network ($ip & $mask)
:local broadcast ($ip | ~$mask)
:put ("address " . $ip . "/" . $bits)
:put ("mask " . $mask . ", network " . $network . ", broadcast " . $broadcast)
:put ("first host " . ($network + 1) . ", last host " . ($broadcast - 1))
:put ("hosts: " . ($broadcast - $network - 1))
:local prefix [:toip [/ip address get [find comment=servers] network]]
:put ("router says network " . $prefix . ", same: " . ($prefix = $network))
:foreach name in={"nas.lab"; "printer.lab"} do={
    :local found [:resolve $name]
    :local place "elsewhere"
    :if ($found in 172.16.40.0/22) do={ :set place "in the server subnet" }
    :put ($name . " -> " . $found . " (" . [:typeof $found] . ", " . $place . ")")
}
