"""Raw messages written byte by byte as mail clients send them (not made by our own composer)."""

import base64
import quopri


def b64(text: str, charset: str = "utf-8") -> str:
    return base64.b64encode(text.encode(charset)).decode()


def word(text: str, charset: str = "utf-8") -> str:
    """An RFC 2047 base64 encoded word."""
    return f"=?{charset}?B?{b64(text, charset)}?="


def split_words(text: str) -> str:
    """A Persian text in two encoded words that split a two-byte character between them."""
    data = text.encode()
    cut = 5  # inside the third Persian letter
    first = base64.b64encode(data[:cut]).decode()
    second = base64.b64encode(data[cut:]).decode()
    return f"=?UTF-8?B?{first}?=\r\n =?UTF-8?B?{second}?="


def qp(text: str, charset: str) -> str:
    return quopri.encodestring(text.encode(charset)).decode()


def plain(
    *,
    body: bytes | str = "سلام، سفارش من هنوز نرسیده.",
    sender: str = f"{word('علی رضایی')} <ali@example.com>",
    subject: str = word("پیگیری سفارش ۱۲۳"),
    message_id: str | None = "<first-1@mail.example.com>",
    extra: str = "",
    charset: str = "utf-8",
    encoding: str = "8bit",
    date: str = "Sat, 01 Mar 2025 10:15:00 +0330",
) -> bytes:
    headers = [f"From: {sender}", "To: support@shop-a.test", f"Subject: {subject}", f"Date: {date}"]
    if message_id:
        headers.append(f"Message-ID: {message_id}")
    headers += ["MIME-Version: 1.0", f'Content-Type: text/plain; charset="{charset}"']
    headers.append(f"Content-Transfer-Encoding: {encoding}")
    if extra:
        headers.append(extra)
    data = body.encode(charset) if isinstance(body, str) else body
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + data + b"\r\n"


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def with_attachments() -> bytes:
    """multipart/mixed: an alternative (plain + HTML with an inline image) and a PDF with a Persian name."""
    pdf = base64.encodebytes(PDF).decode()
    png = base64.encodebytes(PNG).decode()
    return (
        "From: =?utf-8?Q?=D8=B3=D8=A7=D8=B1=D8=A7?= <sara@example.com>\r\n"
        "To: support@shop-a.test\r\n"
        f"Subject: {word('فاکتور و عکس')}\r\n"
        "Message-ID: <att-1@mail.example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="outer"\r\n'
        "\r\n"
        "This is a multi-part message in MIME format.\r\n"
        "--outer\r\n"
        'Content-Type: multipart/alternative; boundary="alt"\r\n'
        "\r\n"
        "--alt\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        f"{qp('فاکتور پیوست است.', 'utf-8')}\r\n"
        "--alt\r\n"
        'Content-Type: multipart/related; boundary="rel"\r\n'
        "\r\n"
        "--rel\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        f"{b64('<p>فاکتور <b>پیوست</b> است.</p><img src=cid:logo>')}\r\n"
        "--rel\r\n"
        "Content-Type: image/png\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "Content-ID: <logo>\r\n"
        f'Content-Disposition: inline; filename="{word("لوگو.png")}"\r\n'
        "\r\n"
        f"{png}"
        "--rel--\r\n"
        "--alt--\r\n"
        "--outer\r\n"
        "Content-Type: application/pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment; filename*=UTF-8''%D9%81%D8%A7%DA%A9%D8%AA%D9%88%D8%B1.pdf\r\n"
        "\r\n"
        f"{pdf}"
        "--outer--\r\n"
    ).encode()


def html_only(charset: str = "utf-8") -> bytes:
    html = (
        "<html><head><style>p{color:red}</style><title>t</title></head><body>"
        "<p>سلام،</p><div>سفارش&nbsp;<b>۱۲۳</b> &amp; ۱۲۴</div><ul><li>یک</li><li>دو</li></ul>"
        "<script>alert(1)</script></body></html>"
    )
    return (
        "From: reza@example.com\r\nSubject: html\r\nMessage-ID: <html-1@example.com>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/html; charset={charset}\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{b64(html, charset)}\r\n"
    ).encode()


def bounce(original_id: str, action: str = "failed") -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        "To: support@shop-a.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.example.com>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
        "\r\n"
        "--b\r\n"
        "Content-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
        "--b\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; nobody@example.com\r\n"
        f"Action: {action}\r\n"
        "Status: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.com>: Recipient address rejected\r\n"
        "\r\n"
        "--b\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        "From: support@shop-a.test\r\n"
        "To: nobody@example.com\r\n"
        f"Message-ID: <{original_id}>\r\n"
        "Subject: Re: hello\r\n"
        "\r\n"
        "--b--\r\n"
    ).encode()


def read_receipt(original_id: str) -> bytes:
    return (
        "From: ali@example.com\r\nTo: support@shop-a.test\r\nSubject: Read: hello\r\n"
        "Message-ID: <mdn-1@example.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="m"\r\n\r\n'
        "--m\r\nContent-Type: text/plain\r\n\r\nYour message was displayed.\r\n"
        "--m\r\nContent-Type: message/disposition-notification\r\n\r\n"
        "Reporting-UA: example.com; Thunderbird\r\n"
        "Final-Recipient: rfc822;ali@example.com\r\n"
        f"Original-Message-ID: <{original_id}>\r\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\r\n\r\n"
        "--m--\r\n"
    ).encode()
