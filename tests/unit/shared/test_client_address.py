"""Whose address a request carries: only our own proxies may speak for the client."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nigrani_intake.config import IntakeSettings
from nigrani_shared.web.client_address import (
    client_address,
    client_address_from_scope,
    parse_address,
    parse_networks,
)
from pydantic import ValidationError

PROXIES = parse_networks(["10.0.0.0/8", "2001:db8:ffff::/48"])
CLIENT = "198.51.100.7"


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() -> None:
    assert client_address(CLIENT, ["203.0.113.9"], ()) == _ip(CLIENT)
    assert client_address("10.0.0.1", ["203.0.113.9"], ()) == _ip("10.0.0.1")


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored() -> None:
    assert client_address(CLIENT, ["203.0.113.9, 10.0.0.2"], PROXIES) == _ip(CLIENT)


def test_a_trusted_proxy_names_the_client() -> None:
    assert client_address("10.0.0.1", [CLIENT], PROXIES) == _ip(CLIENT)


def test_the_walk_skips_every_trusted_proxy_and_stops_at_the_first_untrusted_address() -> None:
    # The client wrote the two left-most entries itself; our proxies appended the rest.
    header = f"10.9.9.9, 203.0.113.9, {CLIENT}, 10.0.0.3, 10.0.0.2"
    assert client_address("10.0.0.1", [header], PROXIES) == _ip(CLIENT)


def test_several_header_lines_read_as_one_list() -> None:
    assert client_address("10.0.0.1", ["203.0.113.9", f"{CLIENT}, 10.0.0.2"], PROXIES) == _ip(
        CLIENT
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", "10.0.0.1"),
        ("unknown", "10.0.0.1"),
        ("not an address, 10.0.0.2", "10.0.0.2"),
        (f"{CLIENT}, garbage, 10.0.0.2", "10.0.0.2"),
        (" , ", "10.0.0.1"),
        ("1.2.3.4.5", "10.0.0.1"),
    ],
)
def test_a_malformed_entry_stops_the_walk_at_the_last_address_we_vouch_for(
    header: str, expected: str
) -> None:
    assert client_address("10.0.0.1", [header], PROXIES) == _ip(expected)


def test_when_every_hop_is_trusted_the_left_most_one_is_the_client() -> None:
    assert client_address("10.0.0.1", ["10.0.0.3, 10.0.0.2"], PROXIES) == _ip("10.0.0.3")
    assert client_address("10.0.0.1", [], PROXIES) == _ip("10.0.0.1")


def test_ports_brackets_and_ipv4_mapped_addresses_are_understood() -> None:
    assert parse_address("198.51.100.7:5555") == _ip(CLIENT)
    assert parse_address("[2001:db8::1]:443") == _ip("2001:db8::1")
    assert parse_address("2001:db8::1") == _ip("2001:db8::1")
    assert parse_address("::ffff:10.0.0.1") == _ip("10.0.0.1")
    assert parse_address("[2001:db8::1") is None
    assert client_address("::ffff:10.0.0.1", [f"{CLIENT}:80"], PROXIES) == _ip(CLIENT)
    assert client_address("2001:db8:ffff::5", ["[2001:db8::7]:9"], PROXIES) == _ip("2001:db8::7")


def test_no_peer_address_gives_none() -> None:
    assert client_address(None, [CLIENT], PROXIES) is None
    assert client_address("testclient", [CLIENT], PROXIES) is None


def test_the_scope_reader_takes_the_peer_and_every_forwarded_for_header() -> None:
    scope = {
        "type": "http",
        "client": ("10.0.0.1", 4321),
        "headers": [
            (b"x-forwarded-for", b"203.0.113.9"),
            (b"host", b"intake"),
            (b"x-forwarded-for", f"{CLIENT}, 10.0.0.2".encode()),
        ],
    }
    assert client_address_from_scope(scope, PROXIES) == _ip(CLIENT)
    assert client_address_from_scope({**scope, "client": None}, PROXIES) is None


_ENTRY = st.one_of(
    st.ip_addresses().map(str),
    st.text(alphabet=st.characters(blacklist_characters=","), max_size=20),
)


@given(spoofed=st.lists(_ENTRY, max_size=6), proxies=st.integers(min_value=0, max_value=3))
def test_nothing_a_client_writes_changes_who_it_is(spoofed: list[str], proxies: int) -> None:
    """Whatever the client puts in the header, a chain of trusted proxies that appended
    the real address yields the real address."""
    appended = [CLIENT] + [f"10.0.0.{n + 2}" for n in range(proxies)]
    header = ", ".join([*spoofed, *appended])
    assert client_address("10.0.0.1", [header], PROXIES) == _ip(CLIENT)
    assert client_address(CLIENT, [header], PROXIES) == _ip(CLIENT)


def test_trusted_proxies_come_from_a_comma_separated_setting() -> None:
    settings = IntakeSettings(trusted_proxies="10.0.0.0/8, 2001:db8::/32,192.0.2.1")
    assert [str(n) for n in settings.trusted_proxies] == [
        "10.0.0.0/8",
        "2001:db8::/32",
        "192.0.2.1/32",
    ]
    assert IntakeSettings().trusted_proxies == ()
    with pytest.raises(ValidationError):
        IntakeSettings(trusted_proxies="10.0.0.1/8")
    with pytest.raises(ValidationError):
        IntakeSettings(trusted_proxies="proxy.internal")


def test_trusted_proxies_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8,fd00::/8")
    monkeypatch.setenv("RATE_LIMIT_SUBMIT", "0")
    settings = IntakeSettings()
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.0/8", "fd00::/8"]
    assert settings.rate_limits()["submit"] == 0
