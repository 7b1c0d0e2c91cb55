"""RouterOS parses text into typed values where it parses "automatically", and the lab does the same
(lab.script.values.parse_text):

- manual, Scripting, `:convert`: "By default uses an automatically parsed value, if the "from" format is not
  specified (for example, "001" becomes "1", "10.1" becomes "10.0.0.1", etc.)", with the example
  `:put [:convert 001 to=hex]` answering `31`;
- `:deserialize from=json` parses every JSON string the same way unless `options=json.no-string-conversion`
  is given, an option that exists from 7.16 on: tikoci/restraml's command trees list no `options` for
  `deserialize` in docs/7.15/inspect.json and `options` ("json.no-string-conversion") in docs/7.16;
- `:toarray "a,b"` splits at commas (at `delimiter=` from 7.21, restraml docs/7.21) and parses each element;
- short IPv4 forms follow inet_addr, as a forum session on a router shows (`:local val 16.8` is the ip
  16.0.0.8, `32.16.8` is 32.16.0.8, `008.008.008.008` stays a str):
  https://forum.mikrotik.com/t/what-forms-of-ipv4-addresses-does-mikrotik-accept/103038 ;
- the manual's data types: "number - 64bit signed integer, possible hexadecimal input".

What stays text is the lab's choice where no source says (lab/README.md, "Script details", Uncertain).
"""

from __future__ import annotations

import ipaddress

import pytest

from lab.router import Router
from lab.script.runner import install, run_script
from lab.script.values import Duration, ItemId, from_router, parse_text


def new_router(version: str = "7.21.4") -> Router:
    made = Router(index=1, address="127.0.1.1", version=version)
    install(made)
    return made


@pytest.fixture
def router() -> Router:
    return new_router()


def put(router: Router, source: str) -> list[str]:
    result = run_script(router, source, {}, "admin")
    assert result.error is None, result.error
    return result.output


def error_of(router: Router, source: str) -> str:
    result = run_script(router, source, {}, "admin")
    assert result.error is not None, result.output
    return result.error


def json_string(text: str) -> str:
    """A script string literal holding the JSON document `text`."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ----- the one parser


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("001", 1),
        ("007", 7),
        ("-5", -5),
        ("0x1F", 31),
        ("9223372036854775807", 2**63 - 1),
        ("true", True),
        ("yes", True),
        ("false", False),
        ("no", False),
        ("*1A", ItemId("*1A")),
        ("*1a", ItemId("*1A")),
        ("10.1", ipaddress.IPv4Address("10.0.0.1")),
        ("16.8", ipaddress.IPv4Address("16.0.0.8")),
        ("32.16.8", ipaddress.IPv4Address("32.16.0.8")),
        ("192.168.88.1", ipaddress.IPv4Address("192.168.88.1")),
        ("10.0.0.0/8", ipaddress.IPv4Network("10.0.0.0/8")),
        ("2001:db8::1", ipaddress.IPv6Address("2001:db8::1")),
        ("2001:db8::/32", ipaddress.IPv6Network("2001:db8::/32")),
        ("1h", Duration(3_600_000)),
        ("12:30", Duration((12 * 60 + 30) * 60_000)),
        ("00:00:05", Duration(5_000)),
        ("1d2h3m", Duration(((24 + 2) * 60 + 3) * 60_000)),
        ("500ms", Duration(500)),
    ],
)
def test_text_that_parses_becomes_its_type(text: str, expected: object) -> None:
    parsed = parse_text(text)
    assert type(parsed) is type(expected) and parsed == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "1e3",  # no fractions or exponents in RouterOS numbers
        "1.5.6.7.8",
        "008.008.008.008",  # leading zeros: a str on a router (forum session above)
        "256.1",
        "2026-01-31",  # there is no date type
        "2026-01-31 12:00:00",
        "[]",
        " 5",  # blanks are kept, so the text is no number
        "0X1F",
        "9223372036854775808",  # beyond a 64-bit signed number
        "00:11:22:33:44:55",  # a MAC address is text to scripts
        "Yes",
    ],
)
def test_text_that_does_not_parse_stays_text(text: str) -> None:
    assert parse_text(text) == text


# ----- :convert without from=


def test_convert_without_from_uses_the_parsed_value_the_manuals_examples(router: Router) -> None:
    assert put(router, ":put [:convert 001 to=hex]") == ["31"]
    assert put(router, ':put [:convert "001" to=hex]') == ["31"]
    assert put(router, ':local v [:convert "10.1"]; :put $v; :put [:typeof $v]') == ["10.0.0.1", "ip"]
    assert put(router, ':put [:convert "007" to=url]') == ["7"]
    assert put(router, ':put [:convert "hello world" to=url]') == ["hello%20world"]


def test_convert_from_raw_keeps_the_text(router: Router) -> None:
    assert put(router, ':put [:convert "007" from=raw to=hex]') == ["303037"]
    assert put(router, ':put [:convert "10.1" from=raw to=url]') == ["10.1"]


def test_convert_refuses_what_the_lab_does_not_emulate_by_name(router: Router) -> None:
    assert error_of(router, ':put [:convert "x" transform=md5 to=hex]') == (
        ":convert transform=: not supported in the lab"
    )
    assert (
        error_of(router, ":put [:convert from=num to=hex 255]")
        == ":convert from=num: not supported in the lab"
    )
    assert error_of(router, ':put [:convert "x" bogus=1]') == "unknown parameter bogus"


# ----- :deserialize from=json


def test_deserialize_parses_every_json_string_nested_too(router: Router) -> None:
    document = json_string(
        '{"id":"007","gw":"10.1","up":"yes","ttl":"1h","item":"*1A","name":"abc",'
        '"list":["1","2001:db8::1",{"deep":"0x1F"}],"007":"x"}'
    )
    source = (
        f":local d [:deserialize from=json value={document}];"
        ' :foreach k,v in=$d do={ :if ($k != "list") do={ :put "$k=$[:typeof $v]:$v" } };'
        ' :foreach v in=($d->"list") do={ :put [:typeof $v] };'
        ' :put [:typeof ($d->"list"->2->"deep")]; :put ($d->"list"->2->"deep")'
    )
    assert put(router, source) == [
        "007=str:x",  # keys stay text
        "gw=ip:10.0.0.1",
        "id=num:7",
        "item=id:*1A",
        "name=str:abc",
        "ttl=time:01:00:00",
        "up=bool:true",
        "num",
        "ip6",
        "array",
        "num",
        "31",
    ]


def test_json_values_that_are_not_strings_keep_their_type(router: Router) -> None:
    source = (
        f":local d [:deserialize from=json value={json_string('[7,true,null,1.5]')}];"
        " :foreach v in=$d do={ :put [:typeof $v] }"
    )
    assert put(router, source) == ["num", "bool", "nil", "str"]


def test_no_string_conversion_keeps_json_strings_text(router: Router) -> None:
    document = json_string('{"id":"007","gw":"10.1","list":["yes"]}')
    source = (
        f":local d [:deserialize from=json value={document} options=json.no-string-conversion];"
        ' :put [:typeof ($d->"id")]; :put ($d->"id"); :put ($d->"gw"); :put [:typeof ($d->"list"->0)]'
    )
    assert put(router, source) == ["str", "007", "10.1", "str"]


def test_options_exist_from_7_16_only() -> None:
    old = new_router("7.15")
    source = f":put [:deserialize from=json value={json_string('[1]')} options=json.no-string-conversion]"
    assert error_of(old, source) == "unknown parameter options"
    assert put(new_router("7.16"), source) == ["1"]
    assert (
        error_of(old, ":put [:serialize to=json value=1 options=json.pretty]") == "unknown parameter options"
    )


def test_serialize_writes_numeric_strings_as_numbers_unless_told() -> None:
    """restraml's trees give `:serialize` an `options=json.no-string-conversion` from 7.17 (7.16 knows only
    json.pretty): RouterOS converts strings by default. The lab, strictest, writes a string that reads as a
    number as a JSON number (`"007"` becomes `7`), so stored text must never rely on staying a string."""
    source = ':put [:serialize to=json value={"n"="007";"h"="0x1F";"a"="10.1";"t"="1h";"w"="~007"}]'
    expected = '{"a":"10.1","h":31,"n":7,"t":"1h","w":"~007"}'
    assert put(new_router("7.15"), source) == [expected]
    kept = source.replace("}]", "} options=json.no-string-conversion]")
    assert put(new_router("7.17"), kept) == ['{"a":"10.1","h":"0x1F","n":"007","t":"1h","w":"~007"}']
    assert error_of(new_router("7.16"), kept) == (
        ":serialize options=json.no-string-conversion: not supported in the lab"
    )


def test_deserialize_refuses_other_options_and_parameters(router: Router) -> None:
    value = json_string("[1]")
    assert error_of(router, f":put [:deserialize from=json value={value} options=json.pretty]") == (
        "invalid value for argument options: json.pretty (accepted: json.no-string-conversion)"
    )
    assert (
        error_of(router, f":put [:deserialize from=json value={value} bogus=1]") == "unknown parameter bogus"
    )
    assert error_of(router, ':put [:deserialize "a b" delimiter=" " from=dsv]') == (
        ":deserialize delimiter=: not supported in the lab"
    )


# ----- :toarray


def test_toarray_parses_each_element(router: Router) -> None:
    source = ':foreach v in=[:toarray "007,0x1F,10.1,abc,yes,1h"] do={ :put ([:typeof $v] . ":" . $v) }'
    assert put(router, source) == ["num:7", "num:31", "ip:10.0.0.1", "str:abc", "bool:true", "time:01:00:00"]


def test_toarray_delimiter_from_7_21(router: Router) -> None:
    assert put(router, ':put [:toarray delimiter="." "7.21.4"]') == ["7;21;4"]
    assert error_of(new_router("7.20"), ':put [:toarray delimiter="." "7.21.4"]') == (
        "unknown parameter delimiter"
    )


# ----- unquoted words take the short IPv4 forms too (the forum session above)


def test_unquoted_short_ipv4_forms_are_addresses(router: Router) -> None:
    assert put(router, ":local val 16.8; :put $val; :put [:typeof $val]") == ["16.0.0.8", "ip"]
    assert put(router, ":local val 32.16.8; :put $val") == ["32.16.0.8"]
    assert put(router, ":local val 008.008.008.008; :put [:typeof $val]") == ["str"]


def test_a_printed_property_keeps_a_version_as_text() -> None:
    """A router's typed properties are not text parsed anew: `7.21.4` read back from a menu stays a str."""
    assert from_router("7.21.4") == "7.21.4"
    assert from_router("192.168.88.1") == ipaddress.IPv4Address("192.168.88.1")
