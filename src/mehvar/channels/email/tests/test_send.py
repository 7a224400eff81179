"""Outbound e-mail against a real SMTP server (aiosmtpd): what arrives, threading, errors, AUTH and TLS."""

import ssl

import pytest
from django.core import mail

from mehvar.channels.base import Outbound, OutboundAttachment, TransportError
from mehvar.channels.email.parsing import email_parse
from mehvar.channels.email.tests.conftest import smtp_config
from mehvar.channels.email.tests.samples import PDF
from mehvar.channels.email.tests.smtp_peer import SmtpPeer, free_port
from mehvar.channels.models import Channel
from mehvar.channels.registry import adapter_for
from mehvar.ops import mailbox

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SUBJECT = "Re: پیگیری سفارش ۱۲۳ — ارسال شد"
TEXT = "سلام علی جان،\nسفارش شما امروز ارسال شد. کد رهگیری: ۱۲۳۴۵"
HTML = "<p dir='rtl'>سلام علی جان،<br>سفارش شما <b>امروز</b> ارسال شد.</p>"


def channel_for(peer: SmtpPeer, **changes) -> Channel:
    return Channel(pk=7, workspace_id=1, kind="email", config=smtp_config(peer, **changes))


def outbound(**changes) -> Outbound:
    values = {"to": "ali@example.com", "text": TEXT, "subject": SUBJECT, "idempotency_key": "reply:1:1"}
    values.update(changes)
    return Outbound(**values)


def send(peer: SmtpPeer, item: Outbound | None = None, **config) -> str:
    return adapter_for("email").send(channel_for(peer, **config), item or outbound())


def test_text_html_attachment_and_persian_subject_arrive_decodable(smtp_peer):
    item = outbound(
        html=HTML,
        attachments=(
            OutboundAttachment("فاکتور ۱۲۳.pdf", "application/pdf", PDF),
            OutboundAttachment("notes.txt", "text/plain", "یادداشت".encode()),
        ),
    )
    provider_id = send(smtp_peer, item)
    (received,) = smtp_peer.received
    assert received.mail_from == "support@shop-a.test" and received.rcpt_tos == ["ali@example.com"]
    assert max(received.content) < 128, "the message is 7-bit clean (no server needs 8BITMIME)"
    assert b"=?utf-8?" in received.content, "the Persian subject travels RFC 2047 encoded"
    message = received.message
    assert str(message["Subject"]) == SUBJECT
    assert message["From"].addresses[0].display_name == "پشتیبانی فروشگاه الف"
    assert message["From"].addresses[0].addr_spec == "support@shop-a.test"
    assert str(message["Message-ID"]) == f"<{provider_id}>"
    assert provider_id.endswith(".mehvar@shop-a.test")
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n").strip() == TEXT
    assert message.get_body(("html",)).get_content().strip() == HTML
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(attachments) == {"فاکتور ۱۲۳.pdf", "notes.txt"}
    assert attachments["فاکتور ۱۲۳.pdf"].get_content() == PDF
    assert attachments["فاکتور ۱۲۳.pdf"].get_content_type() == "application/pdf"


def test_what_we_send_our_parser_reads_back(smtp_peer):
    send(smtp_peer, outbound(html=HTML, attachments=(OutboundAttachment("a.pdf", "application/pdf", PDF),)))
    (message,) = email_parse(smtp_peer.received[0].content).messages
    assert (message.subject, message.text, message.sender_name) == (SUBJECT, TEXT, "پشتیبانی فروشگاه الف")
    assert message.html.strip() == HTML and message.attachments[0].content == PDF


def test_replies_carry_threading_headers(smtp_peer):
    send(smtp_peer, outbound(references=("first-1@mail.example.com", "second-2@mail.example.com")))
    message = smtp_peer.received[0].message
    assert str(message["In-Reply-To"]) == "<second-2@mail.example.com>"
    assert str(message["References"]).split() == ["<first-1@mail.example.com>", "<second-2@mail.example.com>"]


def test_a_first_message_has_no_threading_headers(smtp_peer):
    send(smtp_peer)
    message = smtp_peer.received[0].message
    assert message["In-Reply-To"] is None and message["References"] is None


def test_a_resend_after_a_crash_carries_the_same_message_id(smtp_peer):
    first = send(smtp_peer, outbound(idempotency_key="reply:9:1"))
    again = send(smtp_peer, outbound(idempotency_key="reply:9:1"))
    other = send(smtp_peer, outbound(idempotency_key="reply:9:2"))
    assert first == again != other
    assert smtp_peer.message_ids() == [f"<{first}>", f"<{first}>", f"<{other}>"]


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [
        ("550 5.1.1 <ali@example.com>: no such user", True),
        ("553 5.1.3 mailbox name not allowed", True),
        ("451 4.7.1 greylisted, try again later", False),
        ("452 4.2.2 mailbox full", False),
    ],
)
def test_refused_recipients_are_permanent_on_5xx_and_transient_on_4xx(smtp_peer, reply, permanent):
    smtp_peer.refuse["ali@example.com"] = reply
    with pytest.raises(TransportError) as caught:
        send(smtp_peer)
    assert caught.value.permanent is permanent
    assert reply.split()[0] in str(caught.value) and "ali@example.com" in str(caught.value)
    assert smtp_peer.received == []


def test_a_server_that_is_not_there_is_transient():
    with pytest.raises(TransportError) as caught:
        adapter_for("email").send(
            Channel(
                workspace_id=1, kind="email", config={**smtp_config(SmtpPeer()), "smtp_port": free_port()}
            ),
            outbound(),
        )
    assert caught.value.permanent is False and "SMTP server" in str(caught.value)


def test_auth_with_a_persian_password_and_a_wrong_one():
    peer = SmtpPeer(users={"support@shop-a.test": "رمز-درست"}).start()
    try:
        send(peer, smtp_user="support@shop-a.test", smtp_password="رمز-درست")
        assert len(peer.received) == 1
        with pytest.raises(TransportError) as caught:
            send(peer, smtp_user="support@shop-a.test", smtp_password="wrong")
        assert caught.value.permanent and "535" in str(caught.value)
        with pytest.raises(TransportError) as caught:
            send(peer)  # no credentials where the server requires them
        assert caught.value.permanent and "530" in str(caught.value)
    finally:
        peer.stop()


def test_auth_asked_of_a_server_without_auth_is_permanent(smtp_peer):
    with pytest.raises(TransportError) as caught:
        send(smtp_peer, smtp_user="me", smtp_password="x")
    assert caught.value.permanent and "does not support" in str(caught.value)


def test_starttls_asked_of_a_server_without_it_is_permanent(smtp_peer):
    with pytest.raises(TransportError) as caught:
        send(smtp_peer, smtp_security="starttls")
    assert caught.value.permanent and "does not support" in str(caught.value)


def server_tls(tls_files) -> ssl.SSLContext:
    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_starttls_and_implicit_tls(tls_files, monkeypatch, security):
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_files[0]))  # trust our throwaway certificate
    peer = SmtpPeer(tls=server_tls(tls_files), implicit_tls=security == "tls").start()
    try:
        send(peer, smtp_security=security)
        assert len(peer.received) == 1
    finally:
        peer.stop()


def test_an_untrusted_certificate_is_transient(tls_files, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent.pem")
    peer = SmtpPeer(tls=server_tls(tls_files)).start()
    try:
        with pytest.raises(TransportError) as caught:
            send(peer, smtp_security="starttls")
        assert caught.value.permanent is False and "TLS" in str(caught.value)
        assert peer.received == []
    finally:
        peer.stop()


@pytest.mark.parametrize("to", ["not-an-address", "", "ali@example.com\r\nBcc: x@y.z"])
def test_a_bad_recipient_address_is_permanent_and_nothing_is_sent(smtp_peer, to):
    with pytest.raises(TransportError) as caught:
        send(smtp_peer, outbound(to=to))
    assert caught.value.permanent and smtp_peer.received == []


def test_invalid_channel_settings_are_permanent_and_named(smtp_peer):
    channel = Channel(workspace_id=1, kind="email", config={**smtp_config(smtp_peer), "smtp_port": "x"})
    with pytest.raises(TransportError) as caught:
        adapter_for("email").send(channel, outbound())
    assert caught.value.permanent and "smtp_port" in str(caught.value)


def platform_channel() -> Channel:
    config = {"address": "support@shop-a.test", "display_name": "پشتیبانی", "transport": "platform"}
    return Channel(workspace_id=1, kind="email", config=config)


def test_the_platform_transport_writes_to_the_operators_mail_files(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    provider_id = adapter_for("email").send(platform_channel(), outbound(html=HTML))
    (name,) = mailbox.mail_file_names()
    (stored,) = mailbox.mail_file_read(name)
    assert (stored.subject, stored.to) == (SUBJECT, "ali@example.com")
    assert stored.body.replace("\r\n", "\n").strip() == TEXT
    assert f"Message-ID: <{provider_id}>" in (tmp_path / name).read_text()


def test_the_platform_transport_through_an_smtp_relay(settings, smtp_peer):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_peer.host, smtp_peer.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    item = outbound(references=("first-1@mail.example.com",))
    provider_id = adapter_for("email").send(platform_channel(), item)
    (received,) = smtp_peer.received
    assert received.mail_from == "support@shop-a.test" and received.rcpt_tos == ["ali@example.com"]
    assert str(received.message["Message-ID"]) == f"<{provider_id}>"
    assert str(received.message["In-Reply-To"]) == "<first-1@mail.example.com>"
    smtp_peer.refuse["ali@example.com"] = "550 5.1.1 no such user"
    with pytest.raises(TransportError) as caught:
        adapter_for("email").send(platform_channel(), item)
    assert caught.value.permanent and "550" in str(caught.value)


def test_the_platform_transport_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    provider_id = adapter_for("email").send(platform_channel(), outbound())
    (sent,) = mail.outbox
    assert sent.to == ["ali@example.com"] and str(sent.composed["Message-ID"]) == f"<{provider_id}>"
