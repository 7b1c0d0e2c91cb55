"""Errors a router reports, with the texts and categories it uses on the API.

Categories (from the API documentation): 0 missing item or command, 1 argument value failure,
2 execution interrupted,
3 scripting failure, 4 general failure, 5 API failure, 6 TTY failure, 7 value from :return.
"""

from __future__ import annotations

# What a script, or a command it runs, gets when its policies do not allow the command.
NOT_ENOUGH_PERMISSIONS = "not enough permissions (9)"


class CommandError(Exception):
    def __init__(self, message: str, category: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.category = category


def no_such_command_prefix() -> CommandError:
    return CommandError("no such command prefix", 0)


def no_such_command() -> CommandError:
    return CommandError("no such command", 0)


def unknown_parameter(name: str) -> CommandError:
    return CommandError(f"unknown parameter {name}", 1)


def missing_value(name: str) -> CommandError:
    return CommandError(f"missing value(s) of argument(s) {name}", 1)


def no_match(name: str) -> CommandError:
    """An enumeration value or a reference (interface, script, user group) the router does not know."""
    return CommandError(f"input does not match any value of {name}", 1)


def invalid_value(name: str, value: str) -> CommandError:
    return CommandError(f"invalid value for argument {name}: {value}", 1)


def no_such_item() -> CommandError:
    return CommandError("no such item", 0)


def failure(text: str) -> CommandError:
    return CommandError(f"failure: {text}", 4)


def not_supported(what: str) -> CommandError:
    """Anything the lab does not emulate fails loudly instead of pretending."""
    return CommandError(f"{what}: not supported in the lab", 4)


# What the router's DNS resolver reports to `:resolve`. Uncertain: these texts come from RouterOS users'
# scripts and forum reports, not from a 7.21 router the lab was measured against.


def dns_name_does_not_exist() -> CommandError:
    """The DNS server answered that no such name exists (NXDOMAIN)."""
    return failure("dns name does not exist")


def dns_server_failure() -> CommandError:
    """No DNS server could be asked or none answered (the uplink, and with it the ISP's server, is gone)."""
    return failure("dns server failure")
