"""Fixtures of the e-mail channel's tests: a real SMTP peer (aiosmtpd), a real IMAP peer (dovecot), a
throwaway TLS certificate, and an e-mail channel in workspace A pointed at the SMTP peer."""

import shutil
import subprocess

import pytest

from mehvar.channels.email.tests.dovecot_peer import dovecot  # noqa: F401 (a fixture)
from mehvar.channels.email.tests.smtp_peer import SmtpPeer
from mehvar.channels.models import Channel


@pytest.fixture
def smtp_peer():
    peer = SmtpPeer().start()
    yield peer
    peer.stop()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1; clients trust it through SSL_CERT_FILE."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: the TLS tests need it to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def smtp_config(peer: SmtpPeer, **changes) -> dict:
    config = {
        "address": "support@shop-a.test",
        "display_name": "پشتیبانی فروشگاه الف",
        "smtp_host": peer.host,
        "smtp_port": peer.port,
        "smtp_security": "none",
        "smtp_timeout": 5,
    }
    config.update(changes)
    return config


@pytest.fixture
def email_channel(tenants, smtp_peer):
    return Channel.objects.create(
        workspace=tenants.ws_a, kind="email", name="پشتیبانی ایمیل", config=smtp_config(smtp_peer)
    )
