"""What `site.yml` left on each lab router, read back over the API and compared with the lab inventory.

Each test runs once per router (testinfra's ansible backend, molecule's inventory); the expected values are
the host's own inventory variables, so an edit to inventory/lab that the roles fail to apply fails here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from testinfra.host import Host


@cache
def read(host: Host, path: str, options: str = "") -> tuple[dict[str, Any], ...]:
    """One menu of the router `host` stands for, every field shown (cached: each call is an ansible run).

    `options` adds api_info options, e.g. `unfiltered=true` for status fields the collection does not model.
    A failed call raises testinfra's AnsibleException, which carries the module's message.
    """
    settings = inventory(host)
    answer = host.ansible(
        "community.routeros.api_info",
        # The factory user over the plain API (open to 127.0.0.0/8 in inventory/lab): it reads everything, and
        # the password is the vault reference, which the ad-hoc run resolves.
        f"path='{path}' hostname={settings['ansible_host']}"
        f" username={settings['routeros_api_bootstrap_username']}"
        f" password={settings['routeros_api_bootstrap_password']} hide_defaults=false include_read_only=true"
        f" {options}",
        check=False,
    )
    return tuple(answer["result"])


@cache
def inventory(host: Host) -> dict[str, Any]:
    variables: dict[str, Any] = host.ansible.get_variables()
    return variables


def marker(host: Host) -> str:
    return str(inventory(host).get("routeros_api_owner_marker", "[ansible]"))


def test_identity_is_the_inventory_name(host: Host) -> None:
    assert read(host, "system identity")[0]["name"] == inventory(host)["inventory_hostname"]


def test_factory_ports_carry_the_inventory_names_comments_and_state(host: Host) -> None:
    ports = {row["default-name"]: row for row in read(host, "interface ethernet")}
    for wanted in inventory(host)["routeros_interfaces_ethernet"]:
        port = ports[wanted["default-name"]]
        assert port["name"] == wanted.get("name", wanted["default-name"])
        assert port.get("comment") == wanted["comment"]
        assert port["disabled"] is wanted.get("disabled", False)


def test_bridges_and_their_ports_exist(host: Host) -> None:
    bridges = {row["name"] for row in read(host, "interface bridge")}
    members = {(row["bridge"], row["interface"]) for row in read(host, "interface bridge port")}
    for bridge in inventory(host)["routeros_interfaces_bridges"]:
        assert bridge["name"] in bridges
        assert {(bridge["name"], port) for port in bridge["ports"]} <= members


def test_static_addresses_are_exactly_the_inventory_ones(host: Host) -> None:
    # api_info leaves out dynamic entries such as the address the DHCP client leased.
    static = {(row["address"], row["interface"]) for row in read(host, "ip address")}
    wanted = {
        (entry["address"], entry["interface"]) for entry in inventory(host)["routeros_addresses_entries"]
    }
    assert static == wanted


def test_dhcp_client_is_bound_on_the_uplink(host: Host) -> None:
    clients = {row["interface"]: row for row in read(host, "ip dhcp-client", "unfiltered=true")}
    for wanted in inventory(host)["routeros_dhcp_client_interfaces"]:
        client = clients[wanted["interface"]]
        assert client["status"] == "bound"
        assert client["use-peer-dns"] is wanted.get("use-peer-dns", True)
        assert client["comment"] == f"{marker(host)} {wanted['comment']}"


def test_dns_servers_and_remote_requests(host: Host) -> None:
    dns = read(host, "ip dns")[0]
    assert dns["servers"] == ",".join(inventory(host)["routeros_dns_servers"])
    assert dns["allow-remote-requests"] is inventory(host)["routeros_dns_allow_remote_requests"]
    static = {(row["name"], row["address"]) for row in read(host, "ip dns static")}
    assert {(entry["name"], entry["address"]) for entry in inventory(host)["routeros_dns_static"]} <= static


def test_nat_rules_are_the_inventory_ones_in_order_with_the_ownership_marker(host: Host) -> None:
    owned = [row for row in read(host, "ip firewall nat") if row.get("comment", "").startswith(marker(host))]
    wanted = inventory(host)["routeros_nat_rules"]
    assert len(owned) == len(wanted)
    for row, rule in zip(owned, wanted, strict=True):
        assert row["comment"] == f"{marker(host)} {rule['comment']}"
        for key, value in rule.items():
            if key != "comment":
                assert str(row[key]) == str(value), (rule["comment"], key)
    assert any(rule["action"] == "masquerade" for rule in wanted), (
        "the lab inventory masquerades out the uplink"
    )


def test_api_services_are_set_as_the_inventory_says(host: Host) -> None:
    services = {row["name"]: row for row in read(host, "ip service")}
    for wanted in inventory(host)["routeros_api_service_services"]:
        service = services[wanted["name"]]
        assert service["disabled"] is wanted["disabled"], wanted["name"]
        if "address" in wanted:
            assert service["address"] == ",".join(wanted["address"]), wanted["name"]


def test_the_toolkit_user_has_no_user_rights_and_api_ssl_its_certificate(host: Host) -> None:
    """The first contact made the least-privilege user (roles/routeros_users) and api-ssl's certificate."""
    groups = {row["name"]: row for row in read(host, "user group")}
    [user] = [row for row in read(host, "user") if row["name"] == "ansible"]
    policy = set(str(groups[user["group"]]["policy"]).split(","))
    assert {"api", "read", "write"} <= policy and not policy & {"policy", "sensitive", "reboot"}
    services = {row["name"]: row for row in read(host, "ip service")}
    assert services["api-ssl"]["certificate"] == "api-ssl" and services["api-ssl"]["disabled"] is False


def test_each_watched_host_has_its_probe_wired_to_the_notifier(host: Host) -> None:
    owned = [row for row in read(host, "tool netwatch") if row["comment"].startswith(marker(host))]
    probes = {row["name"]: row for row in owned}
    wanted = inventory(host)["routeros_netwatch_hosts"]
    assert set(probes) == {entry["name"] for entry in wanted}
    for entry in wanted:
        probe = probes[entry["name"]]
        assert probe["host"] == entry["address"]
        comment = f"{marker(host)} {entry['comment']}" if entry.get("comment") else marker(host)
        assert probe["comment"] == comment
        assert "netwatch-telegram-scan" in probe["down-script"] and probe["up-script"] == probe["down-script"]


def test_the_notifier_scripts_and_scheduler_are_installed(host: Host) -> None:
    scripts = {row["name"]: row for row in read(host, "system script")}
    for name in ("netwatch-telegram-scan", "netwatch-telegram-send"):
        assert scripts[name]["dont-require-permissions"] is True
        assert set(scripts[name]["policy"].split(",")) == {"ftp", "read", "write", "test"}
        assert inventory(host)["routeros_telegram_token"] not in scripts[name]["source"]
    assert "netwatch-telegram-hosts" in scripts
    [scheduler] = [row for row in read(host, "system scheduler") if row["name"] == "netwatch-telegram"]
    assert scheduler["on-event"] == "/system script run netwatch-telegram-scan"
