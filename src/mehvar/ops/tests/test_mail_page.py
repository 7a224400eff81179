"""The operators' page of e-mail written by the file backend: staff only, subjects decoded, bodies escaped."""

import pytest
from django.core.mail import send_mail
from django.urls import reverse

from mehvar.accounts.services import user_create
from mehvar.ops import mailbox
from mehvar.testing import PASSWORD, login

pytestmark = pytest.mark.django_db

SUBJECT = "رسید سفارش شما — شمارهٔ ۱۲۳"


@pytest.fixture
def mail_dir(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return tmp_path / "mail"


@pytest.fixture
def operator(db):
    user = user_create(email="operator@mehvar.test", password=PASSWORD)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def sent(mail_dir):
    send_mail(SUBJECT, "سلام <script>alert(1)</script>\nخط دوم", None, ["customer@a.test"])
    (file,) = mail_dir.iterdir()
    raw = file.read_text()
    assert "=?utf-8?" in raw and SUBJECT not in raw  # the file holds the encoded form
    return file.name


def test_url_names():
    assert reverse("ops:mail") == "/ops/mail/"
    assert reverse("ops:mail_detail", args=["20250101-120000-1.log"]) == "/ops/mail/20250101-120000-1.log/"


def test_operator_sees_the_mail_with_its_persian_subject_decoded(client, operator, sent):
    client.force_login(operator)
    html = client.get("/ops/mail/").content.decode()
    assert SUBJECT in html
    assert "customer@a.test" in html
    assert reverse("ops:mail_detail", args=[sent]) in html


def test_detail_shows_the_body_as_text(client, operator, sent):
    client.force_login(operator)
    response = client.get(reverse("ops:mail_detail", args=[sent]))
    assert response.status_code == 200
    html = response.content.decode()
    assert SUBJECT in html and "خط دوم" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html


def test_newest_first_and_several_messages_in_one_file(client, operator, mail_dir):
    from django.core.mail import get_connection, send_mass_mail

    send_mass_mail(
        [("اول", "a", None, ["one@a.test"]), ("دوم", "b", None, ["two@a.test"])], connection=get_connection()
    )
    (file,) = mail_dir.iterdir()
    newer = mail_dir / "29991231-235959-1.log"
    newer.write_bytes(file.read_bytes().replace(b"one@", b"three@").replace(b"two@", b"four@"))
    mails = mailbox.mail_file_read(file.name)
    assert [m.to for m in mails] == ["one@a.test", "two@a.test"]
    assert [m.subject for m in mails] == ["اول", "دوم"]
    client.force_login(operator)
    html = client.get("/ops/mail/").content.decode()
    order = [html.index(f"{who}@a.test") for who in ("four", "three", "two", "one")]
    assert order == sorted(order)
    assert f'{reverse("ops:mail_detail", args=[file.name])}#mail-2"' in html


def test_members_who_are_not_operators_get_404(client, tenants, sent):
    login(client, tenants.owner_a)
    assert client.get("/ops/mail/").status_code == 404
    assert client.get(reverse("ops:mail_detail", args=[sent])).status_code == 404


def test_anonymous_is_sent_to_login(client, sent):
    response = client.get("/ops/mail/")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_path_traversal_is_rejected(client, operator, mail_dir, tmp_path, sent):
    outside = tmp_path / "outside.log"
    outside.write_text("Subject: private\n\nnot mail")
    (mail_dir / "link.log").symlink_to(outside)
    client.force_login(operator)
    for name in ["..", "..%2Foutside.log", "%2E%2E%2Foutside.log", "link.log", ".hidden.log", "secret_key"]:
        assert client.get(f"/ops/mail/{name}/").status_code == 404, name
    for name in ["../outside.log", "/etc/passwd", "link.log", sent + "/.."]:
        with pytest.raises(FileNotFoundError):
            mailbox.mail_file_read(name)
    assert "private" not in client.get("/ops/mail/").content.decode()


def test_without_the_file_backend_the_page_says_so(client, operator, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    client.force_login(operator)
    response = client.get("/ops/mail/")
    assert response.status_code == 200
    assert response.context["file_backend"] is False
    assert "EMAIL_URL" in response.content.decode()
