"""Global commands `:rndnum`, `:rndstr`, `:toip6`, `:toid`, `:tonsec`, and division written without spaces, as
the RouterOS scripting manual describes them (Scripting, "Global commands" and "Arithmetic Operators"):

- `:rndnum from=[num] to=[num]`, "random number generator", example `:put [:rndnum from=1 to=99]`;
- `:rndstr from=[str] length=[num]`: "from specifies characters to construct the string from and defaults to
  all ASCII letters and numerals. length specifies the length of the string to create and defaults to 16",
  example `:put [:rndstr from="abcdef%^&" length=33]`;
- `:toip6` "convert a variable to IPv6 address", `:toid` "convert a variable to internal ID", `:tonsec`
  "Convert a time to a nanoseconds", example `:put [:tonsec value=10:00]` printing `36000000000000`; "If a
  variable type conversion function cannot apply the new format to the provided data, the output will be
  empty", its type nil;
- division: `:put (10 / 2); :put ((10)/2)`, and "for the division to work you have to use braces or spaces
  around the dividend so it is not mistaken as an IP address". routeros-lsp reads `(1000/$i)` as the word
  `1000/` beside the value `$i`; the lab divides there, as scripts in the wild that write `1000/$i` expect,
  and refuses `(10/2)`, which a router reads as an address.
"""

from __future__ import annotations

import pytest

from lab.router import Router
from lab.script.runner import install, run_script


@pytest.fixture
def router() -> Router:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    return made


def put(router: Router, source: str) -> list[str]:
    result = run_script(router, source, {}, "admin")
    assert result.error is None, result.error
    return result.output


def error_of(router: Router, source: str) -> str | None:
    return run_script(router, source, {}, "admin").error


# ----- random values


def test_rndnum_the_manuals_example_stays_in_range(router: Router) -> None:
    source = ":for i from=1 to=200 do={ :put [:rndnum from=1 to=99] }"
    drawn = [int(line) for line in put(router, source)]
    assert all(1 <= number <= 99 for number in drawn)
    assert len(set(drawn)) > 20
    assert put(router, ":put [:typeof [:rndnum from=1 to=99]]") == ["num"]


def test_rndnum_includes_both_ends(router: Router) -> None:
    drawn = {int(line) for line in put(router, ":for i from=1 to=200 do={ :put [:rndnum from=3 to=5] }")}
    assert drawn == {3, 4, 5}


def test_rndstr_the_manuals_example_draws_from_the_given_characters(router: Router) -> None:
    [text] = put(router, ':put [:rndstr from="abcdef%^&" length=33]')
    assert len(text) == 33
    assert set(text) <= set("abcdef%^&")


def test_rndstr_defaults_to_16_letters_and_numerals(router: Router) -> None:
    out = put(router, ":local s [:rndstr]; :put [:len $s]; :put $s; :put [:typeof $s]")
    assert out[0] == "16"
    assert out[1].isascii() and out[1].isalnum()
    assert out[2] == "str"


# ----- conversions


def test_tonsec_the_manuals_example(router: Router) -> None:
    assert put(router, ":put [:tonsec value=10:00]") == ["36000000000000"]
    assert put(router, ":put [:tonsec 1s]; :put [:typeof [:tonsec 1500ms]]") == ["1000000000", "num"]


def test_toip6_converts_an_ipv6_address_and_nothing_else(router: Router) -> None:
    out = put(
        router,
        ':local a [:toip6 "2001:db8::1"]; :put $a; :put [:typeof $a]\n'
        ':put [:typeof [:toip6 "10.0.0.1"]]; :put [:typeof [:toip6 "cow&chicken"]]',
    )
    assert out == ["2001:db8::1", "ip6", "nil", "nil"]


def test_toid_gives_an_internal_id_a_menu_accepts(router: Router) -> None:
    put(router, '/system script add name=s source=":put 1"')
    out = put(
        router,
        ":local i [:toid [:tostr [/system script find name=s]]]; :put [:typeof $i]\n"
        ":put [/system script get $i name]\n"
        ':put [:typeof [:toid "not-an-id"]]',
    )
    assert out == ["id", "s", "nil"]


# ----- division


def test_division_with_spaces_or_braces_the_manuals_examples(router: Router) -> None:
    assert put(router, ":put (10 / 2); :put ((10)/2)") == ["5", "5"]


def test_division_without_spaces_after_a_variable_or_before_one(router: Router) -> None:
    out = put(
        router,
        ":local i 8; :local a 10\n"
        ':put (1000/$i); :put ($a/2); :put ($a/$i); :put (1000/[:len "abcd"]); :put (1000/($i * 5))',
    )
    assert out == ["125", "5", "1", "250", "25"]


def test_division_without_spaces_keeps_operator_precedence(router: Router) -> None:
    out = put(
        router,
        ":local i 8\n"
        ":put (1000/$i*2); :put (1000/$i + 1); :put (2 + 1000/$i); :put (3 * 1000/$i); :put (1000/$i > 100)",
    )
    assert out == ["250", "126", "127", "375", "true"]


def test_a_time_divided_without_spaces(router: Router) -> None:
    assert put(router, ":local n 4; :put (10s/$n)") == ["00:00:02.500"]


def test_number_slash_number_without_spaces_is_refused_loudly(router: Router) -> None:
    # A router reads `10/2` as an address: the lab does not guess which.
    error = error_of(router, ":put (10/2)")
    assert error is not None and error.endswith("not supported in the lab")
    assert "10 / 2" in error
