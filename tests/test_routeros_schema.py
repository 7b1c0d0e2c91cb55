"""One schema for the controller and the lab: what each property the roles pass takes comes from RouterOS
7.21.4's command tree (routeros-lsp) and lab/schema.py's documented gaps, exported once for the controller."""

from __future__ import annotations

import json
import sys

import yaml
from ansible_run import ROOT, run_playbook

from lab.schema import GAPS, tree
from scripts.routeros_schema import export

sys.path.insert(0, str(ROOT / "filter_plugins"))

import routeros_data as data


def test_the_controllers_schema_is_the_command_tree():
    """filter_plugins/routeros_schema.json is what scripts/routeros_schema.py exports from the tree today:
    a routeros-lsp upgrade, a gap or a new key in routeros_data.KEYS shows here until it is exported again."""
    saved = json.loads((ROOT / "filter_plugins" / "routeros_schema.json").read_text(encoding="utf-8"))
    assert saved == export(), "run .venv/bin/python scripts/routeros_schema.py"


def test_every_gap_names_an_argument_the_tree_has():
    """A gap fills in a fact about an argument of the tree; one naming no argument would be dead."""
    for (menu, argument), gap in GAPS.items():
        menus = [tuple(menu.split("/"))] if menu else tree().menus()
        found = [
            m
            for m in menus
            for command in ("add", "set")
            if (c := tree().command(m, command)) is not None and argument in c.arguments
        ]
        assert found, (menu, argument, gap)


def test_an_unknown_plan_path_is_refused_before_any_connection(lab, tmp_path):
    """A plan path community.routeros does not know is named before the first login, not answered by a
    module's list of every path."""
    inventory = tmp_path / "hosts.yml"
    (tmp_path / "group_vars").symlink_to(ROOT / "inventory" / "lab" / "group_vars")
    inventory.write_text(
        yaml.safe_dump({"routeros": {"hosts": {"lab-r1": {"ansible_host": lab.address(1)}}}})
    )
    lab.ctl("stats", "reset")
    result = run_playbook(ROOT / "tests" / "playbooks" / "apply_unknown_path.yml", tmp_path)
    assert result.returncode != 0
    assert "plan[0].path: 'ip adress' is not valid; expected a path community.routeros knows" in result.output
    assert lab.ctl("stats", "1")["1"]["logins"] == 0


# Where each kind of entry is an inventory variable, and the role whose argument spec describes it.
VARIABLES = {
    "ethernet": ("routeros_interfaces", "routeros_interfaces_ethernet"),
    "bridge": ("routeros_interfaces", "routeros_interfaces_bridges"),
    "list": ("routeros_interfaces", "routeros_interfaces_lists"),
    "address": ("routeros_addresses", "routeros_addresses_entries"),
    "dhcp_client": ("routeros_dhcp_client", "routeros_dhcp_client_interfaces"),
    "dns_static": ("routeros_dns", "routeros_dns_static"),
    "nat": ("routeros_nat", "routeros_nat_rules"),
    "service": ("routeros_api_service", "routeros_api_service_services"),
}
# Enumerations the toolkit narrows on purpose: DNS types whose data the role passes (routeros_validate.py).
NARROWED = {("dns_static", "type")}


def test_the_argument_specs_offer_what_the_schema_takes():
    """Ansible's argument validation runs first: it must not offer a type or a word the command tree refuses,
    so the roles' specs follow the schema (booleans are bool, numbers int, enumerations its words)."""
    assert set(VARIABLES) == set(data.KEYS)
    for kind, (role, variable) in VARIABLES.items():
        specs = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
        options = specs["argument_specs"]["main"]["options"][variable]["options"]
        for key, facts in data.SCHEMA[kind].items():
            option = options[key]
            if facts["kind"] == "bool":
                assert option["type"] == "bool", (kind, key)
            elif facts["kind"] == "int":
                assert option["type"] == "int", (kind, key)
            elif facts["kind"] == "enum" and "choices" in option:
                choices = {str(choice) for choice in option["choices"]}
                assert choices <= set(facts["values"]), (kind, key)
                assert (kind, key) in NARROWED or choices == set(facts["values"]), (kind, key)
