"""Server addresses typed in the forms: cleaned; refused if malformed or http:// to the internet."""

import ipaddress
import re
from typing import Final
from urllib.parse import urlsplit

URL_PATTERN: Final = re.compile(r"https?://[^\s/]+(/\S*)?")
LOCAL_SUFFIXES: Final = (".local", ".lan", ".internal", ".home.arpa")
"""Host name endings of a home network (mDNS, common router defaults, RFC 8375)."""
_NUMBER: Final = re.compile(r"0[xX][0-9a-fA-F]*|[0-9]+")
"""A part of a host that browsers and `inet_aton` read as a number (hex, octal or decimal)."""


def clean_url(value: str | None) -> str | None:
    """Return a user-given address without trailing slash; ``None`` when empty."""
    if not value or not value.strip():
        return None
    return value.strip().rstrip("/")


def _number(part: str) -> int | None:
    """Read one part of a numeric IPv4 host: ``0x``-hex, ``0``-octal or decimal."""
    if not _NUMBER.fullmatch(part):
        return None
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part[0] == "0":
        return int(part, 8) if set(part) <= set("01234567") else None
    return int(part)


def numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Read a host written as numbers the way browsers and `socket.inet_aton` do.

    ``1572395042``, ``0x5db8d822``, ``0135.0270.0330.042`` and ``93.184.55330`` are all
    93.184.216.34: one to four parts, the last one filling the bytes left. None when ``host``
    is not such a form (or a number out of range).
    """
    parts = host.split(".")
    numbers = [_number(part) for part in parts]
    if not 1 <= len(parts) <= 4 or None in numbers:
        return None
    *head, last = [number for number in numbers if number is not None]
    if any(number > 255 for number in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for position, number in enumerate(head):
        value += number << (8 * (3 - position))
    return ipaddress.IPv4Address(value)


def is_local_host(host: str) -> bool:
    """Tell whether ``host`` is on the user's own network, without resolving it.

    Yes for a loopback, private (RFC 1918, IPv6 ULA) or link-local address as `ipaddress`
    classes them (an IPv4 address written as one number, in hex or octal, too), for
    ``localhost``, a name without a dot (a container or a LAN host) and a name ending in one
    of `LOCAL_SUFFIXES`. A host ending in a number that is no valid address is not local.
    """
    host = host.rstrip(".")
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        address = numeric_ipv4(host)
    if address is None:
        if _NUMBER.fullmatch(host.rsplit(".", 1)[-1]):
            return False  # read as an address by browsers and resolvers, but not a valid one
        return "." not in host or host.endswith(LOCAL_SUFFIXES)
    return address.is_loopback or address.is_private or address.is_link_local


def url_error(url: str) -> str | None:
    """Return the form error for an address: malformed, or http:// to a public host."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return "invalid_url"
    if not URL_PATTERN.fullmatch(url) or not parts.hostname:
        return "invalid_url"
    if parts.scheme == "http" and not is_local_host(parts.hostname):
        return "insecure_url"  # what is sent (a token, a secret) would travel unencrypted
    return None
