# Address-list upkeep: add a batch (skipping duplicates), give scanners a timeout, count per list, prune a range.
:local blocked {"203.0.113.7"; "198.51.100.23"; "203.0.113.7"; "10.66.0.5"; "10.66.0.9"}
:local added 0
:foreach address in=$blocked do={
    :if ([:len [/ip firewall address-list find list=blocklist address=$address]] = 0) do={
        /ip firewall address-list add list=blocklist address=$address comment="batch 1"
        :set added ($added + 1)
    }
}
:put ("added " . $added . " of " . [:len $blocked])
/ip firewall address-list add list=scanners address=192.0.2.50 timeout=1h
/ip firewall address-list add list=scanners address=192.0.2.51 timeout=30m comment=ssh
:foreach entry in=[/ip firewall address-list print as-value where list=scanners] do={
    :put (($entry->"address") . " expires in " . [:typeof ($entry->"timeout")] . ", dynamic=" . ($entry->"dynamic"))
}
:foreach list in={"blocklist"; "scanners"} do={
    :put ($list . ": " . [/ip firewall address-list print count-only where list=$list])
}
:local pruned 0
:foreach id in=[/ip firewall address-list find where list=blocklist] do={
    :local address [:toip [/ip firewall address-list get $id address]]
    :if ($address in 10.0.0.0/8) do={
        /ip firewall address-list remove $id
        :set pruned ($pruned + 1)
    }
}
:put ("pruned " . $pruned . " private addresses")
:put ("left: " . [:len [/ip firewall address-list find where list=blocklist]])
/ip firewall address-list set [find address=203.0.113.7] comment="seen twice"
:put [/ip firewall address-list get [find address=203.0.113.7] comment]
