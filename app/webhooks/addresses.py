"""Server-side request forgery: where a webhook may point. Checked at registration and again
before every delivery attempt, which then connects to exactly the address it checked (the
name goes in `Host` and TLS SNI only), so a name that resolves to a public address for the
check and to a private one a moment later (DNS rebinding) never reaches the private one."""

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata endpoints beyond the link-local range (169.254.169.254 is link-local).
_METADATA = {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}
# Not globally routable, whatever the running Python's `is_global` says of them (its
# tables differ between versions): shared, protocol-assignment, benchmark, 6to4-relay,
# multicast and future-use IPv4; IPv4-compatible and -translated, local-use NAT64,
# discard, documentation, site-local and unique-local IPv6.
_NOT_GLOBAL = [
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.88.99.0/24",
        "198.18.0.0/15",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/96",
        "::ffff:0:0:0/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001:db8::/32",
        "fc00::/7",
        "fec0::/10",
    )
]
# The IPv6 forms whose last 32 bits are an IPv4 address reached through a translator.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_IN_LOW_BITS = [_NAT64, ipaddress.ip_network("::/96"), ipaddress.ip_network("::ffff:0:0:0/96")]
_MAX_NAME = 253
_LABEL = re.compile(r"[a-z0-9_-]{1,63}", re.IGNORECASE)  # letters, digits, hyphens (and _)


class AddressNotAllowed(ValueError):
    """`allowed_privately`: WEBHOOK_ALLOW_PRIVATE would have allowed it (plain http, or a
    private address)."""

    def __init__(self, message: str, *, allowed_privately: bool = False) -> None:
        super().__init__(message)
        self.allowed_privately = allowed_privately


@dataclass(frozen=True)
class Destination:
    """A webhook's URL, checked, and the addresses its attempt may connect to (each checked)."""

    url: httpx.URL
    addresses: tuple[str, ...]

    @property
    def pinned_urls(self) -> list[httpx.URL]:
        """The URL with each address in place of the name, in order of preference."""
        return [self.url.copy_with(host=address) for address in self.addresses]

    @property
    def host_header(self) -> str:
        return self.url.netloc.decode("ascii")

    @property
    def sni_hostname(self) -> str:
        return self.url.raw_host.decode("ascii")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries: 6to4, Teredo (server and client),
    NAT64, IPv4-compatible and -translated."""
    embedded = [address.sixtofour] if address.sixtofour else []
    embedded += list(address.teredo or ())
    if any(address in network for network in _IPV4_IN_LOW_BITS):
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return embedded


def is_public(address: IPAddress) -> bool:
    """Globally routable, and so is every IPv4 address it carries. An IPv4-mapped address
    is its IPv4 address written another way."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if not all(is_public(v4) for v4 in _embedded_ipv4(address)):
            return False
        if address in _NAT64:
            return True  # the well-known prefix: as public as the IPv4 address it carries
        if address.is_site_local:
            return False
    return (
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_link_local
        and not address.is_loopback
        and not address.is_unspecified
        and not any(address in network for network in _NOT_GLOBAL)
        and address not in _METADATA
    )


async def resolve(host: str, port: int) -> list[str]:
    """The addresses of a host name: the one resolver of webhook deliveries (tests replace
    it). Raises OSError when the name does not resolve."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _parse(url: str, *, allow_private: bool) -> httpx.URL:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing it is the check
        parsed = httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        raise AddressNotAllowed("The URL's host or port is not valid.") from None
    allowed_schemes = {"https", "http"} if allow_private else {"https"}
    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise AddressNotAllowed(
            "The URL must be https://host/...", allowed_privately=parts.scheme == "http"
        )
    if parts.username or parts.password:
        raise AddressNotAllowed("The URL must not carry credentials.")
    name = parsed.raw_host.decode("ascii").removesuffix(".")  # a fully qualified name's dot
    if not _is_ip(name):
        labels = name.split(".")
        if len(name) > _MAX_NAME or not all(_LABEL.fullmatch(label) for label in labels):
            raise AddressNotAllowed("The URL's host name is not a valid DNS name.")
    return parsed


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def _addresses(url: httpx.URL) -> list[str]:
    host = url.raw_host.decode("ascii")
    if _is_ip(host):
        return [host]
    try:
        found = await resolve(host, url.port or (443 if url.scheme == "https" else 80))
    except (OSError, UnicodeError):
        found = []
    if not found:
        raise AddressNotAllowed("The host does not resolve.")
    return found


def _refuse_private(addresses: list[str]) -> None:
    if not all(is_public(ipaddress.ip_address(a.split("%")[0])) for a in addresses):
        raise AddressNotAllowed(
            "The host resolves to a private or reserved address.", allowed_privately=True
        )


async def check_url(url: str, *, allow_private: bool) -> None:
    """Raises AddressNotAllowed unless `url` is https (http too when `allow_private`), its
    host a valid name or address, and every address it resolves to public (any, and
    unresolved, when `allow_private`)."""
    parsed = _parse(url, allow_private=allow_private)
    if not allow_private:
        _refuse_private(await _addresses(parsed))


async def destination(url: str, *, allow_private: bool) -> Destination:
    """Where an attempt connects: resolved now, checked as `check_url` does."""
    parsed = _parse(url, allow_private=allow_private)
    addresses = await _addresses(parsed)
    if not allow_private:
        _refuse_private(addresses)
    unique = dict.fromkeys(address.split("%")[0] for address in addresses)
    return Destination(url=parsed, addresses=tuple(unique))
