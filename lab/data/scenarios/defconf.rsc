# RouterOS's factory default configuration ("defconf") of a SOHO board in router mode with five ethernet
# ports (hEX RB750Gr3): ether1 is the WAN port with a DHCP client, ether2-ether5 are ports of the LAN bridge.
# The commands and comment texts are those of the board's `/system default-configuration print` (RouterOS 7);
# its IPv6 firewall is left out because the lab has no IPv6 menus (lab/README.md, "Scenarios"). Run by the
# lab's script engine as the factory user, so every command is checked as the router checks it.
/interface list add name=WAN comment="defconf"
/interface list add name=LAN comment="defconf"
/interface bridge add name=bridge disabled=no auto-mac=yes protocol-mode=rstp comment=defconf
/interface bridge set bridge auto-mac=no admin-mac=[/interface get ether2 mac-address]
/interface bridge port add bridge=bridge interface=ether2 comment=defconf
/interface bridge port add bridge=bridge interface=ether3 comment=defconf
/interface bridge port add bridge=bridge interface=ether4 comment=defconf
/interface bridge port add bridge=bridge interface=ether5 comment=defconf
/ip pool add name="default-dhcp" ranges=192.168.88.10-192.168.88.254
/ip dhcp-server add name=defconf address-pool="default-dhcp" interface=bridge lease-time=10m disabled=no
/ip dhcp-server network add address=192.168.88.0/24 gateway=192.168.88.1 dns-server=192.168.88.1 comment="defconf"
/ip address add address=192.168.88.1/24 interface=bridge comment="defconf"
/ip dns set allow-remote-requests=yes
/ip dns static add name=router.lan address=192.168.88.1 comment=defconf
/ip dhcp-client add interface=ether1 disabled=no comment="defconf"
/interface list member add list=LAN interface=bridge comment="defconf"
/interface list member add list=WAN interface=ether1 comment="defconf"
/ip firewall nat add chain=srcnat out-interface-list=WAN ipsec-policy=out,none action=masquerade comment="defconf: masquerade"
/ip firewall filter add chain=input action=accept connection-state=established,related,untracked comment="defconf: accept established,related,untracked"
/ip firewall filter add chain=input action=drop connection-state=invalid comment="defconf: drop invalid"
/ip firewall filter add chain=input action=accept protocol=icmp comment="defconf: accept ICMP"
/ip firewall filter add chain=input action=accept dst-address=127.0.0.1 comment="defconf: accept to local loopback (for CAPsMAN)"
/ip firewall filter add chain=input action=drop in-interface-list=!LAN comment="defconf: drop all not coming from LAN"
/ip firewall filter add chain=forward action=accept ipsec-policy=in,ipsec comment="defconf: accept in ipsec policy"
/ip firewall filter add chain=forward action=accept ipsec-policy=out,ipsec comment="defconf: accept out ipsec policy"
/ip firewall filter add chain=forward action=fasttrack-connection connection-state=established,related comment="defconf: fasttrack"
/ip firewall filter add chain=forward action=accept connection-state=established,related,untracked comment="defconf: accept established,related, untracked"
/ip firewall filter add chain=forward action=drop connection-state=invalid comment="defconf: drop invalid"
/ip firewall filter add chain=forward action=drop connection-state=new connection-nat-state=!dstnat in-interface-list=WAN comment="defconf: drop all from WAN not DSTNATed"
/ip neighbor discovery-settings set discover-interface-list=LAN
/tool mac-server set allowed-interface-list=LAN
/tool mac-server mac-winbox set allowed-interface-list=LAN
