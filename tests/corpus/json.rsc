# JSON with :serialize and :deserialize (7.13+): a status report out, a Bot API answer in.
:local report {
    "router"=[/system identity get name];
    "uptimeOk"=true;
    "links"={"ether1";"ether2"};
    "load"=3
}
:local text [:serialize to=json value=$report]
:put $text
:local back [:deserialize from=json value=$text]
:put ("links again: " . [:len ($back->"links")] . ", load " . ($back->"load") . " is a " . [:typeof ($back->"load")])
:local answer "{\"ok\":true,\"result\":{\"message_id\":42,\"chat\":{\"id\":-4000000001,\"title\":\"Lab NOC\"},\"text\":\"DOWN gw\"}}"
:local parsed [:deserialize from=json value=$answer]
:if ($parsed->"ok") do={
    :local message ($parsed->"result")
    :put ("sent message " . ($message->"message_id") . " to " . ($message->"chat"->"title"))
    :put ("chat id " . ($message->"chat"->"id") . " is a " . [:typeof ($message->"chat"->"id")])
}
:local failure [:deserialize from=json value="{\"ok\":false,\"error_code\":429,\"parameters\":{\"retry_after\":5}}"]
:if (!($failure->"ok")) do={
    :put ("flood control, retry after " . ($failure->"parameters"->"retry_after") . "s")
}
:put [:serialize to=json value={1;2;3}]
:put [:serialize to=json value={"empty"=""; "flag"=false}]
