"""Server-side request forgery: where a webhook may point. Checked at registration and again
before every delivery (DNS can change in between)."""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

# Cloud metadata endpoints beyond the link-local range (169.254.169.254 is link-local).
_METADATA = {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}


class AddressNotAllowed(ValueError):
    pass


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or address in _METADATA
    )


async def check_url(url: str, *, allow_private: bool) -> None:
    """Raises AddressNotAllowed unless `url` is https (http too when `allow_private`) and every
    address its host resolves to is public (any, when `allow_private`)."""
    parts = urlsplit(url)
    allowed_schemes = {"https", "http"} if allow_private else {"https"}
    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise AddressNotAllowed("The URL must be https://host/...")
    if parts.username or parts.password:
        raise AddressNotAllowed("The URL must not carry credentials.")
    try:
        parts.port  # noqa: B018 - parsing it is the check
    except ValueError:
        raise AddressNotAllowed("The URL's port is not valid.") from None
    if allow_private:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, parts.port or 443, type=socket.SOCK_STREAM
        )
    except OSError:
        raise AddressNotAllowed("The host does not resolve.") from None
    for info in infos:
        if _forbidden(ipaddress.ip_address(info[4][0])):
            raise AddressNotAllowed("The host resolves to a private or reserved address.")
