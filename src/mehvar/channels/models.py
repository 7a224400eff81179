"""Channels a workspace talks through, the raw inbound events they deliver, and the outbox.

- ``Channel``: one configured way in and out (an e-mail mailbox, an SMS line, a Telegram bot, the web chat
  widget, the phone line, the API). Its ``config`` is validated by the adapter's typed schema
  (``mehvar.channels.<kind>.schemas``); ``secret`` authenticates its inbound webhook.
- ``InboundEvent``: a webhook body or a polled item, stored raw before anything else so that nothing is lost;
  a task parses it later (``mehvar.conversations.inbound``).
- ``OutboxMessage``: something to send, written in the same transaction as its cause with a unique
  idempotency key; the sender claims due rows, sends through the adapter and records the provider's id
  (``mehvar.channels.outbox``).
"""

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.core.models import Workspace


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    TELEGRAM = "telegram", _("Telegram")
    WEBCHAT = "webchat", _("Web chat")
    PHONE = "phone", _("Phone")
    API = "api", _("API")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Channel(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=120)
    config = models.JSONField(_("settings"), default=dict, blank=True)
    secret = models.CharField(max_length=64, default=new_secret, help_text="Authenticates inbound webhooks.")
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="channel_unique_name")]
        indexes = [models.Index(fields=["workspace", "kind"], name="channel_ws_kind")]

    def __str__(self) -> str:
        return self.name


class InboundEvent(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="inbound_events")
    received_at = models.DateTimeField(default=timezone.now)
    content_type = models.CharField(max_length=200, blank=True)
    headers = models.JSONField(
        default=dict, blank=True, help_text="The request headers the adapter may need."
    )
    query = models.JSONField(default=dict, blank=True)
    body = models.BinaryField(help_text="The payload exactly as received.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True, help_text="What processing made of it (ids).")

    class Meta:
        verbose_name = _("inbound event")
        verbose_name_plural = _("inbound events")
        indexes = [
            models.Index(fields=["workspace", "channel", "-received_at"], name="inbound_ws_channel"),
            # The waiting events only: what the inbound drain claims by channel, oldest first, and the
            # minute retry reads; processed events (nearly all of them) are not in it.
            models.Index(
                fields=["workspace", "channel", "id"],
                condition=models.Q(status="pending"),
                name="inbound_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.pk}"


class WebhookEndpoint(models.Model):
    """A URL of the business's that receives events (signed with ``secret``), retried through the outbox."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("address"), max_length=500)
    events = models.JSONField(_("events"), default=list, help_text="Event names; empty: every event.")
    secret = models.CharField(max_length=64, default=new_secret)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        indexes = [models.Index(fields=["workspace", "enabled"], name="webhook_ws_enabled")]

    def __str__(self) -> str:
        return self.url


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Delivery(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        UNDELIVERED = "undelivered", _("Not delivered")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(
        Channel,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="outbox",
        help_text="Empty for event webhooks (purpose 'webhook'), which go to an endpoint's URL.",
    )
    idempotency_key = models.CharField(
        max_length=100, help_text="Unique per workspace; also sent to the provider."
    )
    purpose = models.CharField(max_length=32, default="reply", help_text="reply, notification, webhook, …")
    to = models.CharField(max_length=254, help_text="The address on the channel: e-mail, E.164, chat id …")
    payload = models.JSONField(default=dict, help_text="subject, text, html, attachments, thread headers …")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivery = models.CharField(max_length=12, choices=Delivery.choices, default=Delivery.UNKNOWN, blank=True)
    delivery_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "idempotency_key"], name="outbox_unique_key"),
        ]
        indexes = [
            # The sender claims due rows across workspaces (allowed in core.tests.test_tenant_models).
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["workspace", "channel", "provider_id"], name="outbox_ws_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} → {self.to}"
