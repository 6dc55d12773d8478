"""Sending one message over SMTP (aiosmtplib), as SMTP_URL says.

`smtp://host:port`: STARTTLS when the server offers it. Without credentials in the URL (a
local relay such as Postfix, whose certificate is often self-signed), its certificate is not
verified, as one MTA treats another: unverified TLS is no worse than plain text. With
credentials STARTTLS is required and the certificate verified: a server that does not offer
it, or whose certificate fails, gets nothing (credentials only ever go over verified TLS).
`smtps://`: TLS from the first byte, the certificate verified.

Failures: `TemporaryFailure` (a 4xx answer, no connection, a timeout: retried later) or
`PermanentFailure` (a 5xx answer, or a configuration that cannot work: not retried)."""

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import aiosmtplib

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
NO_STARTTLS = (
    "The SMTP server offers no STARTTLS and SMTP_URL has credentials: they are only ever "
    "sent over TLS (use smtps://, a server with STARTTLS, or a relay without credentials)"
)


class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    pass


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None


def server_of(url: str) -> Server:
    parts = urlsplit(url)
    return Server(
        host=parts.hostname or "localhost",
        port=parts.port or DEFAULT_PORTS[parts.scheme],
        implicit_tls=parts.scheme == "smtps",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def _failure(error: aiosmtplib.SMTPException) -> Exception:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        error = error.recipients[0]
    if isinstance(error, aiosmtplib.SMTPResponseException):
        text = f"{error.code} {error.message}"
        return PermanentFailure(text) if error.code >= 500 else TemporaryFailure(text)
    if isinstance(error, ConnectionError | TimeoutError):
        return TemporaryFailure(f"{type(error).__name__}: {error}")
    return PermanentFailure(f"{type(error).__name__}: {error}")


async def send(
    server: Server, raw: bytes, *, sender: str, recipient: str, step_seconds: float
) -> None:
    """Sends `raw` from `sender` to `recipient`; raises TemporaryFailure or PermanentFailure."""
    client = aiosmtplib.SMTP(
        hostname=server.host,
        port=server.port,
        use_tls=server.implicit_tls,
        start_tls=False,  # decided below, once the server's EHLO says what it offers
        timeout=step_seconds,  # each step; the whole attempt is bounded by the caller
        validate_certs=True,  # the system's trust store and the host name
    )
    try:
        async with client:
            if not server.implicit_tls:
                await client.ehlo()
                if client.supports_extension("starttls"):
                    await client.starttls(validate_certs=server.username is not None)
                elif server.username is not None:
                    raise PermanentFailure(NO_STARTTLS)
            if server.username is not None:
                await client.login(server.username, server.password or "")
            await client.sendmail(sender, [recipient], raw)
    except aiosmtplib.SMTPException as error:
        raise _failure(error) from error
    except (OSError, TimeoutError) as error:
        raise TemporaryFailure(f"{type(error).__name__}: {error}") from error
