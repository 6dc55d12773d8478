"""TLS to the SMTP server, against real aiosmtpd servers with certificates made here (by the
openssl command, in a temporary directory: no key is kept in the repository).

A relay without credentials in SMTP_URL (a local Postfix, whose certificate is often Debian's
self-signed "snakeoil") gets STARTTLS without verification, as one MTA treats another:
unverified TLS is no worse than plain text. Credentials go only over TLS to a server whose
certificate is verified (STARTTLS or smtps://)."""

import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from app.mail.delivery import deliver_due, dispatch
from tests.conftest import AppFactory
from tests.factories import create_ticket, make_actors
from tests.mail.conftest import Sink, free_port

LEAF = """subjectAltName=IP:127.0.0.1
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
authorityKeyIdentifier=keyid
subjectKeyIdentifier=hash
"""
NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"]


@dataclass(frozen=True)
class Certificates:
    ca: Path  # the test CA's certificate, which a test may trust
    signed: tuple[Path, Path]  # a certificate for 127.0.0.1 the CA signed, and its key
    self_signed: tuple[Path, Path]  # a snakeoil certificate, and its key


def _openssl(directory: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    where = tmp_path_factory.mktemp("tls")
    _openssl(
        where,
        "req",
        "-x509",
        *NEW_KEY,
        "-subj",
        "/CN=Test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    )
    _openssl(
        where,
        "req",
        "-new",
        *NEW_KEY,
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
    )
    (where / "leaf.ext").write_text(LEAF)
    _openssl(
        where, "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "leaf.ext", "-out", "leaf.pem",
    )  # fmt: skip
    _openssl(
        where,
        "req",
        "-x509",
        *NEW_KEY,
        "-subj",
        "/CN=snakeoil",
        "-keyout",
        "snakeoil.key",
        "-out",
        "snakeoil.pem",
    )
    return Certificates(
        ca=where / "ca.pem",
        signed=(where / "leaf.pem", where / "leaf.key"),
        self_signed=(where / "snakeoil.pem", where / "snakeoil.key"),
    )


def server_context(pair: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*pair)
    return context


@pytest.fixture
def run_server() -> Iterator[Any]:
    """Starts aiosmtpd servers (`tls`: STARTTLS offered; `implicit`: TLS from the first byte),
    each asking for AUTH only over TLS; returns (sink, port). All stopped at the end."""
    started: list[Controller] = []

    def start(pair: tuple[Path, Path], *, implicit: bool = False) -> tuple[Sink, int]:
        sink, port = Sink(), free_port()
        tls: dict[str, Any] = (
            {"ssl_context": server_context(pair)}
            if implicit
            else {"tls_context": server_context(pair), "require_starttls": False}
        )
        controller = Controller(
            sink,
            hostname="127.0.0.1",
            port=port,
            authenticator=sink.authenticate,
            auth_require_tls=not implicit,  # implicit TLS: every command is over TLS
            **tls,
        )
        controller.start()
        started.append(controller)
        return sink, port

    yield start
    for controller in started:
        controller.stop()


async def deliver_one(app_with: AppFactory, url: str) -> dict[str, Any]:
    """A ticket's acknowledgement, delivered once to `url`; its outbox document after."""
    app, client = await app_with(smtp_url=url, mail_from="Support <support@example.com>")
    actors = await make_actors(app.state.db, app.state.settings)
    await create_ticket(client, actors.customer)
    await dispatch(app.state.db, app.state.settings)
    assert await deliver_due(app.state.db, app.state.settings, owner="t") == 1
    (message,) = await app.state.db.mail_outbox.find().to_list()
    return dict(message)


class TestALocalRelayWithoutCredentials:
    async def test_a_self_signed_certificate_gets_the_mail_over_starttls(
        self, app_with: AppFactory, run_server: Any, certificates: Certificates
    ) -> None:
        sink, port = run_server(certificates.self_signed)
        message = await deliver_one(app_with, f"smtp://127.0.0.1:{port}")
        assert message["status"] == "sent", message["last_error"]
        assert len(sink.received) == 1 and sink.starttls == [True]

    async def test_credentials_never_go_to_a_certificate_that_is_not_verified(
        self, app_with: AppFactory, run_server: Any, certificates: Certificates
    ) -> None:
        sink, port = run_server(certificates.self_signed)
        message = await deliver_one(app_with, f"smtp://ann:s3cret@127.0.0.1:{port}")
        assert message["status"] != "sent" and "certificate" in message["last_error"].lower()
        assert "s3cret" not in message["last_error"]
        assert sink.logins == [] and sink.received == []


class TestCredentialsOverVerifiedTls:
    """The test trusts its CA as the system's trust store would (SSL_CERT_FILE)."""

    @pytest.fixture(autouse=True)
    def _trust_the_test_ca(
        self, monkeypatch: pytest.MonkeyPatch, certificates: Certificates
    ) -> None:
        monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca))

    async def test_starttls_then_login_then_the_mail(
        self, app_with: AppFactory, run_server: Any, certificates: Certificates
    ) -> None:
        sink, port = run_server(certificates.signed)
        message = await deliver_one(app_with, f"smtp://ann:s3cret@127.0.0.1:{port}")
        assert message["status"] == "sent", message["last_error"]
        ((_, login),) = sink.logins
        assert (login.login, login.password) == (b"ann", b"s3cret")
        assert len(sink.received) == 1 and sink.starttls == [True]

    async def test_smtps_is_tls_from_the_first_byte(
        self, app_with: AppFactory, run_server: Any, certificates: Certificates
    ) -> None:
        sink, port = run_server(certificates.signed, implicit=True)
        message = await deliver_one(app_with, f"smtps://ann:s3cret@127.0.0.1:{port}")
        assert message["status"] == "sent", message["last_error"]
        ((_, login),) = sink.logins
        assert login.login == b"ann" and len(sink.received) == 1
