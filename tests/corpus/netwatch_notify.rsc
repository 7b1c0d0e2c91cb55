# lab-run: user=*sys host=192.168.88.10 name=nas type=icmp status=down since="2026-01-31 12:00:05"
# lab-run: user=*sys host=192.168.88.20 name="" type=simple status=down since="2026-01-31 12:00:09"
# lab-run: user=*sys host=192.168.88.10 name=nas type=icmp status=up since="2026-01-31 12:04:41"
# A Netwatch up/down script (the same source in up-script and down-script): it reads the context variables
# $host, $name, $status and $since, writes one log line, and keeps the hosts that are down in an address list,
# since a Netwatch script (user *sys) cannot share globals with the admin's scripts.
:local label $host
:if ([:len $name] > 0) do={ :set label ($name . " (" . $host . ")") }
:local day [:pick $since 0 10]
:local clock [:pick $since 11 16]
:if ($status = "down") do={
    :log warning ("netwatch: " . $label . " DOWN since " . $clock)
    :if ([:len [/ip firewall address-list find list=netwatch-down address=$host]] = 0) do={
        /ip firewall address-list add list=netwatch-down address=$host comment=$since
    }
} else={
    :local entry [/ip firewall address-list find list=netwatch-down address=$host]
    :local down [/ip firewall address-list get $entry comment]
    /ip firewall address-list remove $entry
    :log info ("netwatch: " . $label . " UP again, down since " . [:pick $down 11 19])
}
:put ("[" . $day . " " . $clock . "] " . $label . " is " . $status)
:local still [/ip firewall address-list print as-value where list=netwatch-down]
:local hosts ""
:foreach row in=$still do={ :set hosts ($hosts . " " . ($row->"address")) }
:put ("down now:" . $hosts . " (" . [:len $still] . ")")
