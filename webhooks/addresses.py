"""Which network addresses a webhook may be sent to, and resolving an endpoint's host name at sending time.

The rule (docs/RULES-webhooks.md "Addresses"): only global unicast addresses. Refused:

- every IPv4 or IPv6 address that is not global (`ipaddress`'s `is_global`): loopback, private, link-local,
  shared (100.64/10), reserved, unspecified, documentation, benchmarking ...; and multicast;
- every IPv6 form that carries an IPv4 address, whatever that IPv4 address is: IPv4-mapped (::ffff:0:0/96),
  IPv4-compatible (::/96), NAT64 (64:ff9b::/96, 64:ff9b:1::/48), 6to4 (2002::/16) and Teredo (2001::/32). A
  gateway on the way would turn them into the IPv4 address, and `is_global` does not see through all of them
  (Python 3.11 calls ::127.0.0.1 and 2002:7f00:1::1 global).

`address_allowed` is the policy the sender applies to every address a name resolves to. Tests only may let
127.0.0.1 through (settings.WEBHOOKS_ALLOW_INSECURE_LOOPBACK, off in every environment) so that a loopback
server can play a tenant's endpoint. `resolve` is the resolver: the system's (getaddrinfo), bounded by a
deadline, or settings.WEBHOOKS_RESOLVER (a callable host -> list of address strings) which tests set.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 ranges that carry an IPv4 address (refused whatever the IPv4 address is).
EMBEDDED_IPV4_NETWORKS = tuple(
    ipaddress.IPv6Network(network)
    for network in (
        "::ffff:0:0/96",  # IPv4-mapped
        "::/96",  # IPv4-compatible (deprecated), also :: and ::1
        "64:ff9b::/96",  # NAT64, well-known prefix
        "64:ff9b:1::/48",  # NAT64, local-use prefix
        "2002::/16",  # 6to4
        "2001::/32",  # Teredo
    )
)
LOOPBACK_FOR_TESTS = ipaddress.IPv4Address("127.0.0.1")


class ResolutionError(Exception):
    """The name could not be resolved (unknown, or the resolver did not answer before the deadline)."""


def parse_ip(text: str) -> IPAddress | None:
    """The address when `text` is an IP literal (brackets and an IPv6 zone allowed), else None."""
    candidate = text.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


def is_public_address(address: IPAddress) -> bool:
    """True only for a global unicast address that carries no IPv4 address inside an IPv6 one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None or address.sixtofour is not None or address.teredo is not None:
            return False
        if any(address in network for network in EMBEDDED_IPV4_NETWORKS):
            return False
    return bool(address.is_global) and not address.is_multicast and not address.is_reserved


def address_allowed(address: IPAddress) -> bool:
    """The sending policy: a public address; 127.0.0.1 too when tests turn WEBHOOKS_ALLOW_INSECURE_LOOPBACK on."""
    if address == LOOPBACK_FOR_TESTS and getattr(settings, "WEBHOOKS_ALLOW_INSECURE_LOOPBACK", False):
        return True
    return is_public_address(address)


def _system_resolver(host: str) -> list[str]:
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


def _resolver() -> Callable[[str], list[str]]:
    configured = getattr(settings, "WEBHOOKS_RESOLVER", None)
    return configured if callable(configured) else _system_resolver


def resolve(host: str, *, timeout: float) -> list[IPAddress]:
    """Every address of `host` (an IP literal gives itself), in the resolver's order, without duplicates.
    getaddrinfo has no timeout of its own: it runs in a daemon thread and is abandoned after `timeout`."""
    literal = parse_ip(host)
    if literal is not None:
        return [literal]
    resolver = _resolver()
    found: list[str] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            found.extend(resolver(host))
        except Exception as error:  # reported below as an unresolved name
            failure.append(error)

    worker = threading.Thread(target=run, name="webhook-resolve", daemon=True)
    worker.start()
    worker.join(max(timeout, 0.0))
    if worker.is_alive():
        raise ResolutionError("timed out")
    if failure or not found:
        raise ResolutionError("unresolved")
    addresses: list[IPAddress] = []
    for text in found:
        address = parse_ip(text)
        if address is None:
            raise ResolutionError("not an address")
        if address not in addresses:
            addresses.append(address)
    return addresses
