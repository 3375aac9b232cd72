"""The private-address guard (`[tracker] allow_private = false`): a shared deployment must not be
made to fetch its own loopback, private network or cloud metadata addresses."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from tracker.errors import FetchError


def is_private_address(host: str) -> bool:
    """Loopback, private, link-local, shared, reserved, multicast or unspecified: not for a shared
    deployment to fetch (cloud metadata at 169.254.169.254, the admin interface on 127.0.0.1...)."""
    ip = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


async def refuse_private(url: str, *, redirect: bool) -> None:
    """Every address the host name resolves to is checked, before each hop. (A resolver that answers
    differently a moment later is not covered: that needs a connection-level check.)"""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        addresses = [host] if _is_ip(host) else [
            str(info[4][0]) for info in await asyncio.get_running_loop().getaddrinfo(host, parts.port or 80,
                                                                                 type=socket.SOCK_STREAM)]
    except (OSError, UnicodeError):
        return  # cannot resolve: the request fails as a connection error
    bad = sorted({a for a in addresses if is_private_address(a)})
    if bad:
        where = "a redirect to" if redirect else "the URL"
        raise FetchError(f"refusing {where} {url!r}: {host} is a private or local address ({', '.join(bad)}) "
                         "and [tracker] allow_private is false", kind="private_address")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
        return True
    except ValueError:
        return False
