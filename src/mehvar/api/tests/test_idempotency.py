"""Idempotency-Key on API POSTs: a replay answers the first result and writes once."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from mehvar.accounts.models import ApiToken
from mehvar.api.models import IdempotencyRecord
from mehvar.api.services import idempotency_claim, idempotency_prune
from mehvar.api.tests.apiclient import call, fields, problem
from mehvar.core.models import AuditEntry, DayOff

pytestmark = pytest.mark.django_db

DAY = {"date": "1404/01/12", "title": "سیزده‌به‌در"}


def post_day(client, tenants, key, body=DAY, who="owner"):
    return call(
        client, "post", "/days-off", tenants=tenants, who=who, body=body, headers={"Idempotency-Key": key}
    )


def test_replay_returns_the_first_answer_and_writes_once(client, tenants):
    first = post_day(client, tenants, "key-1")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    audit_count = AuditEntry.objects.count()
    again = post_day(client, tenants, "key-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again["Content-Type"] == first["Content-Type"]
    assert DayOff.objects.count() == 1
    assert AuditEntry.objects.count() == audit_count


def test_the_secret_of_a_created_token_is_replayed_not_remade(client, tenants):
    first = call(
        client,
        "post",
        "/tokens",
        tenants=tenants,
        who="agent",
        body={"name": "n"},
        headers={"Idempotency-Key": "t"},
    )
    again = call(
        client,
        "post",
        "/tokens",
        tenants=tenants,
        who="agent",
        body={"name": "n"},
        headers={"Idempotency-Key": "t"},
    )
    assert again.json()["secret"] == first.json()["secret"]
    assert ApiToken.objects.filter(membership=tenants.agent_a).count() == 2  # the fixture's and this one


def test_same_key_with_another_body_is_422(client, tenants):
    assert post_day(client, tenants, "key-2").status_code == 201
    other = post_day(client, tenants, "key-2", body={"date": "1404/01/13", "title": "دیگر"})
    assert fields(problem(other, 422)) == {"Idempotency-Key"}
    assert DayOff.objects.count() == 1


def test_the_key_is_scoped_to_token_and_path(client, tenants):
    assert post_day(client, tenants, "shared").status_code == 201
    # another token (admin of the same workspace): its own key space, so the service runs and refuses the date
    same_day = post_day(client, tenants, "shared", who="admin")
    assert "Idempotent-Replayed" not in same_day
    assert fields(problem(same_day, 422)) == {"date"}
    # another path with the same token and key
    token = call(
        client,
        "post",
        "/tokens",
        tenants=tenants,
        who="owner",
        body={"name": "n"},
        headers={"Idempotency-Key": "shared"},
    )
    assert token.status_code == 201 and "Idempotent-Replayed" not in token


def test_without_a_key_every_post_runs(client, tenants):
    for _ in range(2):
        assert (
            call(client, "post", "/tokens", tenants=tenants, who="agent", body={"name": "n"}).status_code
            == 201
        )
    assert ApiToken.objects.filter(membership=tenants.agent_a).count() == 3


def test_client_errors_are_kept_and_replayed_too(client, tenants):
    bad = {"date": "1404/12/30", "title": "t"}
    first = post_day(client, tenants, "bad-date", body=bad)
    problem(first, 422)
    again = post_day(client, tenants, "bad-date", body=bad)
    assert again.status_code == 422 and again["Idempotent-Replayed"] == "true"
    assert again.content == first.content


def test_server_errors_are_not_kept_so_a_retry_runs(client, tenants, monkeypatch):
    from mehvar.core import services

    original = services.day_off_create

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "day_off_create", broken)
    problem(post_day(client, tenants, "retry-me"), 500)
    assert not IdempotencyRecord.objects.exists()
    monkeypatch.setattr(services, "day_off_create", original)
    retry = post_day(client, tenants, "retry-me")
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry


def test_a_duplicate_while_the_first_is_in_flight_is_409(client, tenants):
    token = ApiToken.objects.get(membership=tenants.owner_a)
    import json

    claim = idempotency_claim(
        token=token, method="POST", path="/api/v1/days-off", key="busy", body=json.dumps(DAY).encode()
    )
    assert claim.outcome == "new"
    body = problem(post_day(client, tenants, "busy"), 409)
    assert body["type"] == "urn:mehvar:problem:conflict"
    assert not DayOff.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_gets_409_while_the_first_runs(tenants, monkeypatch):
    """Two real requests at once: the second arrives while the first is inside its handler."""
    from mehvar.core import services

    original = services.day_off_create
    inside, release = threading.Event(), threading.Event()

    def slow(**kwargs):
        inside.set()
        assert release.wait(10)
        return original(**kwargs)

    monkeypatch.setattr(services, "day_off_create", slow)
    results = {}

    def first():
        try:
            results["first"] = post_day(Client(), tenants, "race")
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(10)
    second = post_day(Client(), tenants, "race")
    release.set()
    thread.join(10)
    problem(second, 409)
    assert results["first"].status_code == 201
    assert DayOff.objects.count() == 1
    replay = post_day(Client(), tenants, "race")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"


def test_an_expired_key_may_be_used_again(client, tenants, settings):
    assert post_day(client, tenants, "old").status_code == 201
    IdempotencyRecord.objects.update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS + 1)
    )
    again = post_day(client, tenants, "old", body={"date": "1404/01/13", "title": "t"})
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert DayOff.objects.count() == 2


@pytest.mark.parametrize("key", ["x" * 256, "with space", "کلید"])
def test_an_invalid_key_is_422(client, tenants, key):
    response = call(
        client,
        "post",
        "/days-off",
        tenants=tenants,
        who="owner",
        body=DAY,
        headers={"Idempotency-Key": key.encode().decode("latin-1")},
    )
    assert fields(problem(response, 422)) == {"Idempotency-Key"}
    assert not DayOff.objects.exists()


def test_prune_deletes_only_expired_records(client, tenants, settings):
    post_day(client, tenants, "fresh")
    post_day(client, tenants, "stale", body={"date": "1404/01/14", "title": "t"})
    IdempotencyRecord.objects.filter(key="stale").update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS + 60)
    )
    assert idempotency_prune() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


def test_records_belong_to_the_tokens_workspace(client, tenants):
    post_day(client, tenants, "k", who="outsider")
    record = IdempotencyRecord.objects.get()
    assert record.workspace_id == tenants.ws_b.pk
