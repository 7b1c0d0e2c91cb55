# A router configured by hand, as the source paper's cooperative did (/work/shared/seed: Netwatch pings its
# server, its switch and the Internet, and each up/down script sends a Telegram message with `/tool fetch`,
# the bot token pasted in clear text), plus the things such routers carry besides: an identity, a DHCP client
# on the ISP port, addresses, DNS, a masquerade rule made in Winbox (no comment) and a scheduler entry that
# reports to Telegram with the token in its URL. Hand-made alerting comes in both shapes. The addresses and
# watched hosts are those inventory/lab describes for the same office (management on ether2, servers behind
# wlan1, the switch on the LAN), so a run of the toolkit meets them as it would meet the paper's router.
#
# The paper's printed scripts do not parse (`${/system clock get date}` is not RouterOS interpolation); these
# are the form that runs, `$[...]`, otherwise as printed: the token and chat in locals, the text raw in a GET
# URL, the watched host never named. The token is fake and obviously so (bot 987654321, not the lab's own
# 123456789, so a test tells the two bots' messages apart); the chats are the lab's default ones (the NOC
# group -4000000001 and the operator 111111111). `startup-delay=0s`: on the cooperative's router the entries
# were made long after boot, so the 5-minute delay after a boot never showed; a lab router has just booted.
/system identity set name=Koperasi-MS
/ip address add address=192.168.10.1/24 interface=ether2
/ip address add address=10.10.10.1/24 interface=wlan1
/ip dhcp-client add interface=ether1 disabled=no
/ip dns set servers=8.8.8.8,8.8.4.4 allow-remote-requests=yes
/ip firewall nat add chain=srcnat action=masquerade out-interface=ether1
/tool netwatch add name=server host=10.10.10.10 type=icmp startup-delay=0s up-script=":local hh \$host\r\n:local bot \"987654321:HAND-made-token-0000000000000000000\"\r\n:local chat \"-4000000001\"\r\n:local datetime \"Tanggal: \$[/system clock get date] WA Jam: \$[/system clock get time]\"\r\n/tool fetch url=\"https://api.telegram.org/bot\$bot/sendmessage\?chat_id=\$chat&text=\$datetime WA:PING SERVER UP!\" keep-result=no" down-script=":local hh \$host\r\n:local bot \"987654321:HAND-made-token-0000000000000000000\"\r\n:local chat \"-4000000001\"\r\n:local datetime \"Tanggal: \$[/system clock get date] WA Jam: \$[/system clock get time]\"\r\n/tool fetch url=\"https://api.telegram.org/bot\$bot/sendmessage\?chat_id=\$chat&text=\$datetime WA:PING SERVER DOWN Kabel Putus/Internet Mati/Perangkat Error/Perangkat Mati\" keep-result=no"
/tool netwatch add name=switch host=192.168.88.2 type=icmp startup-delay=0s up-script=":local bot \"987654321:HAND-made-token-0000000000000000000\"\r\n:local chat \"-4000000001\"\r\n:local datetime \"Tanggal: \$[/system clock get date] WA Jam: \$[/system clock get time]\"\r\n/tool fetch url=\"https://api.telegram.org/bot\$bot/sendmessage\?chat_id=\$chat&text=\$datetime WA:PING SWITCH UP!\" keep-result=no" down-script=":local bot \"987654321:HAND-made-token-0000000000000000000\"\r\n:local chat \"-4000000001\"\r\n:local datetime \"Tanggal: \$[/system clock get date] WA Jam: \$[/system clock get time]\"\r\n/tool fetch url=\"https://api.telegram.org/bot\$bot/sendmessage\?chat_id=\$chat&text=\$datetime WA:PING SWITCH DOWN\" keep-result=no"
/tool netwatch add name=internet host=8.8.8.8 type=icmp startup-delay=0s up-script="/tool fetch url=\"https://api.telegram.org/bot987654321:HAND-made-token-0000000000000000000/sendmessage\?chat_id=-4000000001&text=INTERNET UP\" keep-result=no" down-script="/tool fetch url=\"https://api.telegram.org/bot987654321:HAND-made-token-0000000000000000000/sendmessage\?chat_id=-4000000001&text=INTERNET DOWN\" keep-result=no"
/system scheduler add name=lapor-harian start-time=07:00:00 interval=1d on-event="/tool fetch url=\"https://api.telegram.org/bot987654321:HAND-made-token-0000000000000000000/sendmessage\?chat_id=111111111&text=Router Koperasi-MS aktif\" keep-result=no"
