"""/healthz: 200 only when the database answers and a worker beat recently; the JSON says which failed."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from mehvar.ops.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def beat(seconds_ago: float) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=f"w-{seconds_ago}",
        hostname="host",
        pid=1,
        started_at=now - dt.timedelta(hours=1),
        beat_at=now - dt.timedelta(seconds=seconds_ago),
    )


def test_url_is_at_the_root():
    assert reverse("ops:healthz") == "/healthz"


def test_ok_with_a_fresh_heartbeat(client, django_assert_num_queries):
    beat(3)
    with django_assert_num_queries(2):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"]["ok"] is True
    assert data["worker"]["ok"] is True
    assert 3 <= data["worker"]["last_beat_seconds_ago"] <= 5


def test_503_without_any_worker(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "fail"
    assert data["database"]["ok"] is True
    assert data["worker"] == {**data["worker"], "ok": False, "last_beat_seconds_ago": None}


def test_503_with_a_stale_heartbeat(client, settings):
    settings.WORKER_HEARTBEAT_STALE_SECONDS = 60
    beat(600)
    beat(90)  # the newest beat counts, and it is stale too
    response = client.get("/healthz")
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "fail" and data["database"]["ok"] is True
    assert data["worker"]["ok"] is False
    assert 90 <= data["worker"]["last_beat_seconds_ago"] <= 92
    assert data["worker"]["stale_after_seconds"] == 60


def test_one_fresh_worker_among_stale_ones_is_enough(client):
    beat(3600)
    beat(1)
    assert client.get("/healthz").status_code == 200


def test_only_reads(client):
    beat(1)
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200
