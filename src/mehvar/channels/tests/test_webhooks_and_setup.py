"""Event webhooks reach a real local receiver signed; channel settings are validated, secrets hidden."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mehvar.channels import signing
from mehvar.channels.models import OutboxMessage, WebhookEndpoint
from mehvar.channels.outbox import outbox_send
from mehvar.channels.services import channel_create, channel_update, public_config
from mehvar.channels.webhooks import clean_events, event_emit
from mehvar.core.models import AuditEntry
from mehvar.core.roles import Role

pytestmark = pytest.mark.django_db


def test_event_is_signed_with_the_endpoints_secret_and_sent_once(tenants, receiver):
    endpoint = WebhookEndpoint.objects.create(workspace=tenants.ws_a, url=receiver.url)
    assert event_emit(workspace=tenants.ws_a, event="conversation.created", data={"number": 7}) == 1
    row = OutboxMessage.objects.get(purpose="webhook")
    assert outbox_send(outbox_id=row.pk) == OutboxMessage.Status.SENT
    assert outbox_send(outbox_id=row.pk) == OutboxMessage.Status.SENT
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert signing.signature_valid(endpoint.secret, body, headers["X-Mehvar-Signature"])
    assert not signing.signature_valid("another secret", body, headers["X-Mehvar-Signature"])
    sent = json.loads(body)
    assert sent["event"] == "conversation.created" and sent["data"] == {"number": 7}
    assert headers["Idempotency-Key"] == sent["id"] and headers["X-Mehvar-Event"] == "conversation.created"


def test_failing_endpoint_is_retried_with_backoff_then_removed_endpoint_fails(tenants, receiver):
    endpoint = WebhookEndpoint.objects.create(
        workspace=tenants.ws_a, url=receiver.url, events=["message.sent"]
    )
    assert event_emit(workspace=tenants.ws_a, event="message.received", data={}) == 0
    event_emit(workspace=tenants.ws_a, event="message.sent", data={})
    row = OutboxMessage.objects.get()
    receiver.status = 500
    assert outbox_send(outbox_id=row.pk) == OutboxMessage.Status.PENDING
    row.refresh_from_db()
    delay = row.next_attempt_at - row.claimed_at if row.claimed_at else row.next_attempt_at - row.created_at
    assert delay.total_seconds() >= 29 and "500" in row.last_error
    endpoint.delete()
    assert outbox_send(outbox_id=row.pk, now=row.next_attempt_at) == OutboxMessage.Status.FAILED


def test_unknown_events_are_refused():
    with pytest.raises(ValidationError) as error:
        clean_events(["message.received", "everything"])
    assert "events" in error.value.message_dict
    assert clean_events(["message.sent", "message.sent"]) == ["message.sent"]


def test_channel_settings_are_validated_by_the_channels_schema(tenants):
    owner = tenants.owner_a
    channel = channel_create(
        workspace=tenants.ws_a,
        acting=owner,
        kind="api",
        name="سامانه",
        config={"outbound_url": "https://x.ir/in"},
    )
    with pytest.raises(ValidationError) as error:
        channel_create(
            workspace=tenants.ws_a, acting=owner, kind="api", name="سامانه", config={"outbound_url": "nope"}
        )
    assert {"name", "config.outbound_url"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError) as error:
        channel_create(workspace=tenants.ws_a, acting=owner, kind="fax", name="x")
    assert "kind" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        channel_update(channel=channel, acting=owner, config={"colour": "red"})
    assert "config.colour" in error.value.message_dict
    old_secret = channel.secret
    channel_update(channel=channel, acting=owner, enabled=False, rotate_secret=True)
    assert not channel.enabled and channel.secret != old_secret
    assert AuditEntry.objects.filter(object_type="channels.channel").count() == 2


def test_only_owners_and_admins_manage_channels(tenants):
    for role in (Role.SUPERVISOR, Role.AGENT, Role.ANALYST, Role.MARKETER):
        with pytest.raises(PermissionDenied):
            channel_create(workspace=tenants.ws_a, acting=tenants.by_role[role], kind="api", name="x")
    with pytest.raises(PermissionDenied):
        channel_create(workspace=tenants.ws_a, acting=tenants.outsider_b, kind="api", name="x")


def test_public_config_hides_passwords_and_tokens(tenants):
    channel = channel_create(workspace=tenants.ws_a, acting=tenants.owner_a, kind="api", name="x")
    channel.config = {"password": "s3cret", "bot_token": "123:abc", "host": "smtp.example.ir", "api_key": ""}
    assert public_config(channel) == {
        "password": "••••",
        "bot_token": "••••",
        "host": "smtp.example.ir",
        "api_key": "",
    }
