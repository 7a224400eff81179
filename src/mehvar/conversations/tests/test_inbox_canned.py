"""The canned replies library: the Persian starter set, adding, changing and deleting templates (audited),
unknown variables refused by name, and who may manage it."""

import pytest

from mehvar.conversations import canned
from mehvar.conversations.models import CannedReply
from mehvar.conversations.templating import VARIABLES
from mehvar.conversations.tests.inbox_helpers import errors_of, url
from mehvar.core.models import AuditEntry
from mehvar.testing import login

pytestmark = pytest.mark.django_db


def test_the_seed_is_persian_apologies_and_follow_ups_and_runs_twice_safely(tenants):
    added = canned.canned_replies_seed(tenants.ws_a)
    assert added == len(canned.SEED)
    purposes = set(CannedReply.objects.filter(workspace=tenants.ws_a).values_list("purpose", flat=True))
    assert {"apology", "follow_up", "resolved"} <= purposes
    import re

    for reply in CannedReply.objects.filter(workspace=tenants.ws_a):
        assert re.search("[\u0600-\u06ff]", reply.body), reply.title
        assert set(re.findall(r"\{\{\s*(\w+)\s*\}\}", reply.body)) <= set(VARIABLES), reply.title
    edited = CannedReply.objects.filter(workspace=tenants.ws_a).first()
    edited.body = "متن خود ما"
    edited.save()
    assert canned.canned_replies_seed(tenants.ws_a) == 0
    edited.refresh_from_db()
    assert edited.body == "متن خود ما"  # a workspace's own changes are kept
    assert not CannedReply.objects.filter(workspace=tenants.ws_b).exists()


def test_the_library_page_lists_adds_edits_and_deletes(client, tenants):
    canned.canned_replies_seed(tenants.ws_a)
    supervisor = tenants.by_role["supervisor"]
    login(client, supervisor)
    page = client.get(url("canned")).content.decode()
    assert page.count('data-testid="canned-reply"') == len(canned.SEED)
    response = client.post(
        url("canned_create"),
        {
            "title": "تشکر",
            "shortcut": "/تشکر",
            "purpose": "general",
            "body": "{{ first_name }} عزیز، ممنونیم.",
        },
    )
    assert response.status_code == 302
    reply = CannedReply.objects.get(workspace=tenants.ws_a, title="تشکر")
    assert reply.shortcut == "تشکر" and reply.created_by == supervisor
    form = client.get(url("canned_edit", reply.pk)).content.decode()
    assert "ممنونیم" in form and "first_name" in form
    client.post(
        url("canned_edit", reply.pk), {"title": "تشکر", "purpose": "follow_up", "body": "سپاس {{ number }}"}
    )
    reply.refresh_from_db()
    assert (reply.purpose, reply.body) == ("follow_up", "سپاس {{ number }}")
    update = AuditEntry.objects.get(
        workspace=tenants.ws_a, object_type="conversations.cannedreply", action="update"
    )
    assert update.before["body"] != update.after["body"]
    client.post(url("canned_delete", reply.pk))
    assert not CannedReply.objects.filter(pk=reply.pk).exists()
    assert AuditEntry.objects.filter(object_type="conversations.cannedreply", action="delete").exists()


def test_bad_templates_name_the_field(client, tenants):
    canned.canned_replies_seed(tenants.ws_a)
    login(client, tenants.by_role["supervisor"])
    existing = CannedReply.objects.filter(workspace=tenants.ws_a).first()
    cases = [
        ({"title": "", "purpose": "general", "body": "x"}, "title"),
        ({"title": "الف", "purpose": "general", "body": ""}, "body"),
        ({"title": "الف", "purpose": "general", "body": "سلام {{ nmae }}"}, "body"),
        ({"title": "الف", "purpose": "bribe", "body": "x"}, "purpose"),
        ({"title": existing.title, "purpose": "general", "body": "x"}, "title"),
    ]
    for data, field in cases:
        response = client.post(url("canned_create"), data)
        body = response.content.decode()
        assert response.status_code == 200, data
        assert f'id="id_{field}_error"' in body, (field, errors_of(body))
    unknown = client.post(url("canned_create"), {"title": "الف", "purpose": "general", "body": "{{ nmae }}"})
    assert "nmae" in unknown.content.decode()
    assert CannedReply.objects.filter(workspace=tenants.ws_a).count() == len(canned.SEED)


def test_only_inbox_managers_manage_the_library(client, tenants):
    reply = CannedReply.objects.create(workspace=tenants.ws_a, title="الف", body="متن")
    for role in ("agent", "analyst", "marketer"):
        login(client, tenants.by_role[role])
        assert client.get(url("canned")).status_code == 403, role
        assert (
            client.post(url("canned_create"), {"title": "x", "purpose": "general", "body": "x"}).status_code
            == 403
        )
        assert client.post(url("canned_delete", reply.pk)).status_code == 403
    login(client, tenants.outsider_b)
    assert client.get(url("canned_edit", reply.pk)).status_code == 404
    assert client.post(url("canned_delete", reply.pk)).status_code == 404
    assert client.get(url("canned_edit", reply.pk, slug="shop-b")).status_code == 404
    assert CannedReply.objects.filter(pk=reply.pk).exists()
