# :foreach over `print as-value`: set up a LAN, then report every address and the ports nobody uses.
/interface bridge add name=br-lan comment="office LAN"
/interface bridge port add bridge=br-lan interface=ether2
/interface bridge port add bridge=br-lan interface=ether3
/ip address add address=192.168.88.1/24 interface=br-lan comment=lan
/ip address add address=10.99.0.1/30 interface=ether5 comment=uplink-backup disabled=yes
/interface ethernet set [find default-name=ether4] disabled=yes
:foreach entry in=[/ip address print as-value] do={
    :local state "active"
    :if ($entry->"disabled") do={ :set state "disabled" }
    :put (($entry->"address") . " on " . ($entry->"interface") . " (" . ($entry->"comment") . ", " . $state . ")")
}
:local used [:toarray ""]
:foreach port in=[/interface bridge port print as-value] do={ :set used ($used, ($port->"interface")) }
:foreach iface in=[/interface ethernet print as-value where !disabled] do={
    :local name ($iface->"name")
    :if ([:typeof [:find $used $name]] = "nil") do={
        :if ([/ip address print count-only where interface=$name] = 0) do={ :put ("free port: " . $name) }
    }
}
:put ("disabled ports: " . [/interface ethernet print count-only where disabled])
:local lan [/ip address get [find comment=lan] network]
:put ("lan network " . $lan . " is a " . [:typeof $lan])
