# String building with :pick, :find and :len: parse a CSV line, strip masks, pad numbers, replace characters.
:local line "gw-1,10.0.0.1/24,ether1;sw-2,10.0.0.2/24,ether2;ap-3,10.0.0.3/24,wlan1"
:local rest $line
:while ([:len $rest] > 0) do={
    :local cut [:find $rest ";"]
    :local record $rest
    :if ([:typeof $cut] = "num") do={
        :set record [:pick $rest 0 $cut]
        :set rest [:pick $rest ($cut + 1) [:len $rest]]
    } else={ :set rest "" }
    :local first [:find $record ","]
    :local second [:find $record "," $first]
    :local name [:pick $record 0 $first]
    :local address [:pick $record ($first + 1) $second]
    :local host [:pick $address 0 [:find $address "/"]]
    :put ($name . " -> " . $host . " via " . [:pick $record ($second + 1) [:len $record]])
}
:local pad do={
    :local text [:tostr $1]
    :while ([:len $text] < $2) do={ :set text ("0" . $text) }
    :return $text
}
:put ("ticket #" . [$pad 42 5])
:local replaced ""
:local title "Router Down: gw-1"
:for i from=0 to=([:len $title] - 1) do={
    :local char [:pick $title $i]
    :if ($char = " ") do={ :set char "_" }
    :set replaced ($replaced . $char)
}
:put $replaced
:put ("last three: " . [:pick $title ([:len $title] - 3) [:len $title]])
:put ("no colon after 12: " . [:typeof [:find $title ":" 12]])
