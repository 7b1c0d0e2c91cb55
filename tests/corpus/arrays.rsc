# Arrays of arrays and key-value arrays: a small inventory, looked up, changed in place and summed.
:local sites {
    "branch-a"={"address"="10.10.1.1"; "links"={"ether1";"ether2"}; "users"=12};
    "branch-b"={"address"="10.10.2.1"; "links"={"ether1"}; "users"=7};
    "depot"={"address"="10.10.3.1"; "links"={}; "users"=0}
}
:local total 0
:foreach name,site in=$sites do={
    :set total ($total + ($site->"users"))
    :put ($name . ": " . ($site->"address") . ", " . [:len ($site->"links")] . " links")
}
:put ("users in all sites: " . $total)
:set ($sites->"depot"->"users") 3
:set ($sites->"branch-c") {"address"="10.10.4.1"; "links"={"wlan1"}; "users"=1}
:put ("depot now has " . ($sites->"depot"->"users") . " users")
:put ("sites: " . [:len $sites])
:local first {1;2;3}
:local second {4;5;6}
:local matrix {$first; $second}
:local sum 0
:foreach row in=$matrix do={
    :foreach cell in=$row do={ :set sum ($sum + $cell) }
}
:put ("matrix " . [:len $matrix] . "x" . [:len ($matrix->0)] . ", sum " . $sum)
:put ("second row, last cell: " . ($matrix->1->2))
:local links ($sites->"branch-a"->"links")
:put [:typeof [:find $links "ether2"]]
:put ("ether2 at " . [:find $links "ether2"])
:put ("ether9 at " . [:typeof [:find $links "ether9"]])
:local tags {"core"; "edge"}
:set tags ($tags, "lab")
:put $tags
