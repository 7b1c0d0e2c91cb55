"""Every role's meta/argument_specs.yml, without any router: the lab and example inventories pass them, bad
input is refused naming the variable and the key, and the specs list the same keys and closed sets as the
filters.

The playbook runs Ansible's own role argument validation (the `validate_argument_spec` task, tagged `always`,
that Ansible puts first in every role) with `--tags` naming only an include of the alerting roles' `validate`
entry point: a role's own tasks carry no tag, so none of them runs and nothing connects to a router."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible_run import ROOT, run_playbook, write_inventory

sys.path.insert(0, str(ROOT / "filter_plugins"))

import routeros_alerting as alerting
import routeros_data as data
import routeros_validate as validate

ROLES = sorted(path.parent.parent.name for path in (ROOT / "roles").glob("*/meta/argument_specs.yml"))
# Roles whose settings other roles load with `tasks_from: validate` (routeros_verify, the script rendering).
SETTINGS_ROLES = ("routeros_netwatch", "routeros_telegram")
TAG = "argument-specs"
VALIDATE = "ansible.builtin.validate_argument_spec"
EXPECTED = {(role, "main") for role in ROLES} | {(role, "validate") for role in SETTINGS_ROLES}

# One host per bad input, beside the lab's routers: (host, its variable, the role that refuses it, what the
# refusal must say).
BAD = [
    (
        "bad-nat-key",
        {"routeros_nat_rules": [{"chain": "srcnat", "action": "masquerade", "to-port": 80}]},
        "routeros_nat",
        ["routeros_nat_rules.to-port", "Supported parameters include"],
    ),
    (
        "bad-nat-chain",
        {"routeros_nat_rules": [{"chain": "forward", "action": "accept"}]},
        "routeros_nat",
        ["value of chain must be one of: srcnat, dstnat, got: forward", "routeros_nat_rules"],
    ),
    (
        "bad-netwatch-host",
        {"routeros_netwatch_hosts": [{"name": "no address"}]},
        "routeros_netwatch",
        ["missing required arguments: address", "routeros_netwatch_hosts"],
    ),
    (
        "bad-language",
        {"routeros_telegram_language": "fr"},
        "routeros_telegram",
        ["value of routeros_telegram_language must be one of: id, en, got: fr"],
    ),
    (
        "bad-boolean",
        {"routeros_addresses_allow_management_change": "maybe"},
        "routeros_addresses",
        ["routeros_addresses_allow_management_change", "unable to convert to bool"],
    ),
]


def _validate(directory: Path, inventory: Path, *extra: str, env: dict[str, str] | None = None) -> dict:
    """Run every role's argument validation for every host; each host's results in the order they ran."""
    playbook = directory / "argument_specs.yml"
    play = {
        "name": "Every role's argument specs",
        "hosts": "routeros",
        "gather_facts": False,
        "roles": ROLES,
        "tasks": [
            {
                "name": "The alerting roles' settings, as tasks_from validate loads them",
                "ansible.builtin.include_role": {"name": "{{ item }}", "tasks_from": "validate"},
                "loop": list(SETTINGS_ROLES),
                "tags": [TAG],
            }
        ],
    }
    playbook.write_text(yaml.safe_dump([play], sort_keys=False))
    done = run_playbook(
        playbook,
        inventory,
        *extra,
        "--tags",
        TAG,
        env={"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json", **(env or {})},
    )
    try:
        report, _ = json.JSONDecoder().raw_decode(done.output[done.output.index("{") :])
    except ValueError:
        pytest.fail(f"ansible-playbook printed no JSON report:\n{done.output[-3000:]}")
    results: dict[str, list[dict[str, Any]]] = {}
    for task in report["plays"][0]["tasks"]:
        for host, result in task["hosts"].items():
            results.setdefault(host, []).append(result)
    return results


def _validated(results: list[dict[str, Any]]) -> set[tuple[str, str]]:
    contexts = [
        r["validate_args_context"] for r in results if r["action"] == VALIDATE and not r.get("failed")
    ]
    return {(context["name"], context["argument_spec_name"]) for context in contexts}


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    directory = tmp_path_factory.mktemp("lab-specs")
    bad = write_inventory(
        directory / "bad-inputs.yml", {host: values for host, values, _, _ in BAD}, group="routeros"
    )
    return _validate(directory, ROOT / "inventory" / "lab", "-i", str(bad))


@pytest.fixture(scope="module")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    password = ROOT / "inventory" / "example" / "vault-password.txt"
    return _validate(
        tmp_path_factory.mktemp("example-specs"),
        ROOT / "inventory" / "example",
        env={"ANSIBLE_VAULT_PASSWORD_FILE": str(password)},
    )


def test_every_role_has_argument_specs():
    roles = sorted(path.name for path in (ROOT / "roles").iterdir() if path.is_dir())
    assert roles == ROLES
    assert len(ROLES) == 20


@pytest.mark.parametrize(
    ("run", "host"),
    [
        ("lab_run", "lab-r1"),
        ("lab_run", "lab-r2"),
        *[("example_run", host) for host in ("koperasi-bogor", "koperasi-depok", "koperasi-bekasi")],
    ],
)
def test_the_shipped_inventories_pass_every_role_s_argument_specs(run, host, request):
    results = request.getfixturevalue(run)[host]
    failed = [r.get("argument_errors") or r.get("msg") for r in results if r.get("failed")]
    assert failed == []
    assert _validated(results) == EXPECTED
    # Nothing but the validations (and the include of the settings entry point) ran: no router was asked.
    assert {r["action"] for r in results} == {VALIDATE, "ansible.builtin.include_role"}


@pytest.mark.parametrize(("host", "role", "words"), [(host, role, words) for host, _, role, words in BAD])
def test_a_bad_input_is_refused_naming_the_variable_and_the_key(lab_run, host, role, words):
    results = lab_run[host]
    [failure] = [r for r in results if r.get("failed")]
    assert failure["action"] == VALIDATE
    assert failure["validate_args_context"]["name"] == role
    assert any(all(word in error for word in words) for error in failure["argument_errors"]), failure[
        "argument_errors"
    ]
    # Every role before it passed: only this input is wrong.
    assert len(_validated(results)) == len(results) - 1


# ----- the specs say what the filters check, without running Ansible


def _specs(role: str) -> dict[str, Any]:
    text = (ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text()
    return yaml.safe_load(text)["argument_specs"]


def _options(role: str) -> dict[str, Any]:
    return _specs(role)["main"]["options"]


# Each list of dicts and the keys its filter check accepts.
ENTRY_KEYS = [
    ("routeros_interfaces", "routeros_interfaces_ethernet", data.KEYS["ethernet"]),
    ("routeros_interfaces", "routeros_interfaces_bridges", data.KEYS["bridge"]),
    ("routeros_interfaces", "routeros_interfaces_lists", data.KEYS["list"]),
    ("routeros_addresses", "routeros_addresses_entries", data.KEYS["address"]),
    ("routeros_dhcp_client", "routeros_dhcp_client_interfaces", data.KEYS["dhcp_client"]),
    ("routeros_dns", "routeros_dns_static", data.KEYS["dns_static"]),
    ("routeros_nat", "routeros_nat_rules", data.KEYS["nat"]),
    ("routeros_api_service", "routeros_api_service_services", data.KEYS["service"]),
    ("routeros_netwatch", "routeros_netwatch_hosts", alerting.HOST_KEYS),
    ("routeros_netwatch", "routeros_netwatch_probe", alerting.PROBE_KEYS),
    ("routeros_telegram", "routeros_telegram_chats", alerting.CHAT_KEYS),
]


@pytest.mark.parametrize(("role", "variable", "keys"), ENTRY_KEYS)
def test_each_entry_takes_exactly_the_keys_its_check_takes(role, variable, keys):
    assert sorted(_options(role)[variable]["options"]) == sorted(keys)


def test_the_message_texts_take_exactly_the_parts_the_notifier_sends():
    texts = _options("routeros_telegram")["routeros_telegram_texts"]["options"]
    assert sorted(texts) == sorted(alerting.LANGUAGES)
    for language in alerting.LANGUAGES:
        parts = texts[language]["options"]
        assert sorted(parts) == sorted([*alerting.TEXT_PLACEHOLDERS, "units"])
        assert sorted(parts["units"]["options"]) == sorted(alerting.UNITS)


CHOICES = [
    ("routeros_nat", ["routeros_nat_rules", "chain"], validate.NAT_CHAINS),
    ("routeros_nat", ["routeros_nat_rules", "action"], validate.NAT_ACTIONS),
    ("routeros_nat", ["routeros_nat_rules", "protocol"], validate.PROTOCOLS),
    ("routeros_api_service", ["routeros_api_service_services", "name"], validate.SERVICES),
    ("routeros_dns", ["routeros_dns_static", "type"], validate.DNS_TYPES),
    ("routeros_netwatch", ["routeros_netwatch_probe", "type"], alerting.PROBE_TYPES),
    ("routeros_netwatch", ["routeros_netwatch_hosts", "type"], alerting.PROBE_TYPES),
    ("routeros_netwatch", ["routeros_netwatch_profile"], tuple(alerting.PROFILES)),
    ("routeros_netwatch", ["routeros_netwatch_hosts", "profile"], tuple(alerting.PROFILES)),
    ("routeros_telegram", ["routeros_telegram_language"], alerting.LANGUAGES),
    ("routeros_telegram", ["routeros_telegram_trust"], alerting.TRUST),
]


@pytest.mark.parametrize(("role", "where", "accepted"), CHOICES)
def test_closed_sets_are_the_ones_the_filters_accept(role, where, accepted):
    option = _options(role)[where[0]]
    for key in where[1:]:
        option = option["options"][key]
    assert sorted(option["choices"]) == sorted(accepted)


def _walk(options: dict[str, Any], path: str = ""):
    for name, option in options.items():
        yield f"{path}{name}", option
        yield from _walk(option.get("options") or {}, f"{path}{name}.")


@pytest.mark.parametrize("role", ROLES)
def test_every_option_is_typed_described_and_deep(role):
    for entry_point in _specs(role).values():
        for path, option in _walk(entry_point["options"]):
            assert option.get("type") and option.get("description"), path
            if option["type"] == "list":
                assert option.get("elements"), f"{path}: a list says what its elements are"
            if option["type"] == "dict" or option.get("elements") == "dict":
                assert option.get("options"), f"{path}: a dict says which keys it takes"


@pytest.mark.parametrize("role", ROLES)
def test_the_specs_and_the_defaults_name_the_same_variables_with_the_same_values(role):
    options = _options(role)
    defaults_file = ROOT / "roles" / role / "defaults" / "main.yml"
    defaults = yaml.safe_load(defaults_file.read_text()) or {}
    assert sorted(options) == sorted(defaults)
    for name, option in options.items():
        if "default" in option:
            assert option["default"] == defaults[name], name
    for entry_point, spec in _specs(role).items():
        assert spec["options"] == options, f"entry point {entry_point} takes what main takes"
