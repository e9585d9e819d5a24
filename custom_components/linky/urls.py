"""Server addresses typed in the forms: cleaned; refused if malformed or http:// to the internet."""

import ipaddress
import re
from typing import Final
from urllib.parse import urlsplit

URL_PATTERN: Final = re.compile(r"https?://[^\s/]+(/\S*)?")
LOCAL_SUFFIXES: Final = (".local", ".lan", ".internal", ".home.arpa")
"""Host name endings of a home network (mDNS, common router defaults, RFC 8375)."""


def clean_url(value: str | None) -> str | None:
    """Return a user-given address without trailing slash; ``None`` when empty."""
    if not value or not value.strip():
        return None
    return value.strip().rstrip("/")


def is_local_host(host: str) -> bool:
    """Tell whether ``host`` is on the user's own network, without resolving it.

    Yes for a loopback, private (RFC 1918, IPv6 ULA) or link-local address as `ipaddress`
    classes them, for ``localhost``, a name without a dot (a container or a LAN host) and
    a name ending in one of `LOCAL_SUFFIXES`.
    """
    host = host.rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
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
