# A Telegram alert built as scripts in the wild build it: text with :convert to=url, a GET URL, a POST body.
:local token "123456789:LAB-telegram-token-0000000000000000"
:local chat "-4000000001"
:local host "192.168.88.10"
:local text ("DOWN " . $host . " & gateway unreachable (100% loss)")
:local encoded [:convert to=url value=$text]
:put $encoded
:local url ("https://api.telegram.org/bot" . $token . "/sendMessage?chat_id=" . $chat . "&text=" . $encoded)
:put [:pick $url 0 [:find $url "?"]]
:put [:pick $url ([:find $url "?"] + 1) [:len $url]]
:local body ("chat_id=" . $chat . "&parse_mode=HTML&text=" . [:convert to=url value=("<b>UP</b> " . $host)])
:put $body
:local decoded [:convert from=url value=$encoded]
:put ("round trip: " . ($decoded = $text))
:local lines {"first line"; "second: 50/50"; "third=3"}
:local joined ""
:foreach l in=$lines do={
    :if ([:len $joined] > 0) do={ :set joined ($joined . "\n") }
    :set joined ($joined . $l)
}
:put [:convert to=url value=$joined]
:put [:convert to=url value="safe-._~chars"]
:put [:len [:convert to=url value="\E2\9D\8C"]]
