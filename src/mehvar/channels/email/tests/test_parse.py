"""Inbound parsing: raw RFC 822 in any shape and charset to the common InboundMessage, or a ParseError."""

import contextlib
import datetime as dt
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mehvar.channels.base import HookRequest, ParseError
from mehvar.channels.email.decoding import header_decode, text_decode
from mehvar.channels.email.tests import samples
from mehvar.channels.email.tests.samples import b64, plain, qp, split_words, word
from mehvar.channels.models import Channel
from mehvar.channels.registry import adapter_for

CHANNEL = Channel(workspace_id=1, kind="email", config={"address": "support@shop-a.test"})


def parse(raw: bytes, content_type: str = "message/rfc822", headers: dict | None = None):
    request = HookRequest(body=raw, content_type=content_type, headers=headers or {}, query={})
    return adapter_for("email").parse(CHANNEL, request)


def one(raw: bytes, **kwargs):
    parsed = parse(raw, **kwargs)
    assert len(parsed.messages) == 1 and not parsed.reports
    return parsed.messages[0]


def test_a_persian_message_reads_whole():
    message = one(plain())
    assert message.external_id == "first-1@mail.example.com"
    assert message.identities == (("email", "ali@example.com"),)
    assert message.sender_name == "علی رضایی"
    assert message.subject == "پیگیری سفارش ۱۲۳"
    assert message.text == "سلام، سفارش من هنوز نرسیده."
    assert message.html == "" and message.thread_key == "" and message.references == ()
    assert message.sent_at == dt.datetime(2025, 3, 1, 6, 45, tzinfo=dt.UTC)
    assert message.data == {"to": ["support@shop-a.test"]}


def test_a_subject_split_inside_a_character_across_encoded_words_is_joined():
    assert one(plain(subject=split_words("سفارش من کجاست"))).subject == "سفارش من کجاست"


@pytest.mark.parametrize(
    ("charset", "encoding", "text"),
    [
        ("windows-1256", "quoted-printable", "سلام، فاکتور من کجاست؟"),
        ("windows-1256", "8bit", "سلام، فاکتور من کجاست؟"),
        ("iso-8859-6", "base64", "مرحبا، أين طلبي؟"),
        ("koi8-r", "quoted-printable", "Здравствуйте, где мой заказ?"),
        ("utf-8", "base64", "سلام 👋 ـ نیم‌فاصله"),
        ("gb2312", "base64", "你好，我的订单在哪里？"),
    ],
)
def test_bodies_in_common_charsets_and_transfer_encodings(charset, encoding, text):
    if encoding == "base64":
        body = b64(text, charset).encode()
    elif encoding == "quoted-printable":
        body = qp(text, charset).encode()
    else:
        body = text.encode(charset)
    subject = word(text[:10], charset)
    message = one(plain(body=body, charset=charset, encoding=encoding, subject=subject))
    assert message.text == text
    assert message.subject == text[:10]


@pytest.mark.parametrize("charset", ["x-unknown-foo", "unknown-8bit", "base64", "", "utf-8*fa", "x" * 300])
def test_unknown_or_bogus_charsets_fall_back_to_utf8(charset):
    message = one(plain(body="سلام دنیا".encode(), charset=charset))
    assert message.text == "سلام دنیا"


def test_mislabelled_legacy_persian_falls_back_to_windows_1256():
    body = "سلام، کجاست؟".encode("windows-1256")
    assert one(plain(body=body, charset="us-ascii")).text == "سلام، کجاست؟"
    assert one(plain(body=body, charset="x-bogus")).text == "سلام، کجاست؟"


def test_raw_8bit_and_broken_headers_do_not_crash():
    raw = plain(subject="placeholder").replace(b"placeholder", "سلام بی‌رمز".encode())
    assert one(raw).subject == "سلام بی‌رمز"
    broken = "=?x-nonexistent?B?2LPZhNin2YU=?= =?utf-8?B?!!!notbase64?= =?utf-8?Q?=ZZ?="
    assert one(plain(subject=broken)).subject  # read somehow, never an exception


def test_header_decode_and_text_decode_never_raise():
    assert header_decode(None) == ""
    assert header_decode("=?utf-8?q?a_b?= c") == "a b c"
    assert header_decode("=?utf-8?b?2LM=?=\r\n =?utf-8?b?2YQ=?=") == "سل"
    assert text_decode(b"\xff\xfe\xfa", "utf-8")  # not UTF-8: windows-1256 reads every byte
    assert text_decode(b"abc", "rot13") == "abc"  # not a charset at all


def test_html_only_mail_gets_its_text_from_the_html():
    message = one(samples.html_only())
    assert "<b>۱۲۳</b>" in message.html
    assert message.text == "سلام،\n\nسفارش ۱۲۳ & ۱۲۴\n\n• یک\n• دو"
    assert "alert" not in message.text and "color" not in message.text


def test_plain_html_and_attachments():
    message = one(samples.with_attachments())
    assert message.sender_name == "سارا" and message.subject == "فاکتور و عکس"
    assert message.text == "فاکتور پیوست است."
    assert "<b>پیوست</b>" in message.html
    by_name = {item.filename: item for item in message.attachments}
    assert set(by_name) == {"لوگو.png", "فاکتور.pdf"}
    assert by_name["فاکتور.pdf"].content == samples.PDF
    assert by_name["فاکتور.pdf"].content_type == "application/pdf"
    assert by_name["لوگو.png"].content == samples.PNG


def test_a_forwarded_message_is_one_eml_attachment():
    inner = plain(message_id="<inner@example.com>")
    raw = (
        b"From: boss@example.com\r\nSubject: Fwd\r\nMessage-ID: <outer@example.com>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="f"\r\n\r\n'
        b"--f\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
        b"--f\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"--f--\r\n"
    )
    message = one(raw)
    assert message.text == "see below"
    assert [item.filename for item in message.attachments] == ["پیگیری سفارش ۱۲۳.eml"]
    assert b"inner@example.com" in message.attachments[0].content


def test_references_and_in_reply_to_become_references():
    extra = (
        "In-Reply-To: <reply-2@shop-a.test>\r\n"
        "References: <first-1@mail.example.com>\r\n <reply-2@shop-a.test>"
    )
    message = one(plain(message_id="<second@mail.example.com>", extra=extra))
    assert message.references == ("first-1@mail.example.com", "reply-2@shop-a.test")
    brackets_missing = one(plain(extra="In-Reply-To: first-1@mail.example.com"))
    assert brackets_missing.references == ("first-1@mail.example.com",)


def test_a_missing_message_id_gets_a_stable_hash_id():
    first = one(plain(message_id=None)).external_id
    assert first == one(plain(message_id=None)).external_id
    assert first.startswith("mehvar-") and first.endswith("@no-message-id.invalid")
    assert first != one(plain(message_id=None, body="متن دیگر")).external_id


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Sat, 01 Mar 2025 10:15:00 -0000", dt.datetime(2025, 3, 1, 10, 15, tzinfo=dt.UTC)),
        ("1 Mar 2025 10:15 GMT", dt.datetime(2025, 3, 1, 10, 15, tzinfo=dt.UTC)),
        ("yesterday at noon", None),
        ("Sat, 01 Mar 2125 10:15:00 +0000", None),  # in the future: the receipt time is used instead
    ],
)
def test_dates(date, expected):
    assert one(plain(date=date)).sent_at == expected


def test_an_mbox_from_line_before_the_headers_is_skipped():
    assert one(b"From ali@example.com Sat Mar  1 10:15:00 2025\n" + plain()).subject == "پیگیری سفارش ۱۲۳"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"\x00\xff\xfe garbage \x89PNG\r\n\x1a\n", "does not start with headers"),
        (bytes(range(256)) * 4, "does not start with headers"),
        (b"Subject: no sender\r\n\r\nbody", "no From header"),
        (b"From: \r\n\r\nbody", "no address"),
        (b"From: Ali Rezaei\r\n\r\nbody", "not an e-mail address"),
        (b"From: ali at example\r\n\r\nbody", "not an e-mail address"),
        (b"From: a@b.ir\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\n\r\nhi\r\n--x--", "no boundary"),
        (
            b'From: a@b.ir\r\nContent-Type: multipart/mixed; boundary="zz"\r\n\r\nno parts here',
            "never starts",
        ),
    ],
)
def test_unreadable_messages_raise_a_parse_error_with_the_reason(raw, reason):
    with pytest.raises(ParseError, match=reason):
        parse(raw)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_no_bytes_make_anything_but_a_parse_error(raw):
    with contextlib.suppress(ParseError):
        parse(raw)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=4000), st.binary(min_size=1, max_size=40))
def test_a_damaged_real_message_never_escapes_as_another_exception(position, junk):
    raw = samples.with_attachments()
    with contextlib.suppress(ParseError):
        parse(raw[:position] + junk + raw[position + len(junk) :])


@pytest.mark.parametrize(
    "extra",
    [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated; owner-email=x@y.z",
        "X-Autoreply: yes",
        "X-Autorespond: vacation",
        "Precedence: junk",
        "Precedence: auto_reply",
    ],
)
def test_auto_replies_are_dropped(extra):
    parsed = parse(plain(extra=extra))
    assert parsed.messages == () and parsed.reports == ()


@pytest.mark.parametrize("extra", ["Auto-Submitted: no", "Precedence: list", "Precedence: bulk"])
def test_people_writing_through_lists_are_not_dropped(extra):
    assert one(plain(extra=extra)).text


def test_mail_from_the_channels_own_address_is_dropped():
    assert parse(plain(sender="Support <Support@Shop-A.test>")).messages == ()


def test_a_bounce_becomes_an_undelivered_report_for_our_message():
    parsed = parse(samples.bounce("abc.mehvar@shop-a.test"))
    assert parsed.messages == ()
    (report,) = parsed.reports
    assert (report.status, report.provider_id) == ("undelivered", "abc.mehvar@shop-a.test")
    assert "550 5.1.1" in report.reason
    assert (
        parse(samples.bounce("abc.mehvar@shop-a.test", action="delivered")).reports[0].status == "delivered"
    )
    assert parse(samples.bounce("abc.mehvar@shop-a.test", action="delayed")).reports == ()


def test_a_read_receipt_becomes_a_read_report():
    (report,) = parse(samples.read_receipt("abc.mehvar@shop-a.test")).reports
    assert (report.status, report.provider_id) == ("read", "abc.mehvar@shop-a.test")


def test_a_urlencoded_forward_with_a_body_mime_field():
    body = urllib.parse.urlencode({"sender": "x", "body-mime": plain()}).encode()
    assert one(body, content_type="application/x-www-form-urlencoded").subject == "پیگیری سفارش ۱۲۳"


def test_a_multipart_form_forward_with_an_email_field():
    boundary = "----form123"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="to"\r\n\r\nsupport@shop-a.test\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="email"\r\n\r\n'
        ).encode()
        + plain()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    message = one(body, content_type="multipart/form-data", headers=headers)
    assert message.external_id == "first-1@mail.example.com"


def test_a_form_without_the_raw_message_is_a_parse_error():
    with pytest.raises(ParseError, match="no raw message field"):
        parse(b"subject=hi&text=hello", content_type="application/x-www-form-urlencoded")
    with pytest.raises(ParseError, match="boundary"):
        parse(b"--x--", content_type="multipart/form-data")
