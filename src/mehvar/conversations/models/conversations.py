"""Conversations (tickets), their messages, attachments and the events of their life."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.channels.models import Channel, OutboxMessage
from mehvar.core.models import Membership, Workspace
from mehvar.customers.models import Customer, Tag


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# The statuses of a conversation that is still being worked on: queues, counts, routing loads. The partial
# indexes below are conditioned on exactly this tuple (PostgreSQL proves a query may use them only when its
# own list is the same), so every such filter uses this constant.
OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class Conversation(models.Model):
    """One case with one customer on one channel, numbered per workspace (#1042).

    Times are UTC. SLA due moments are business-time deadlines computed by ``conversations.sla``;
    ``sla_due_at`` is the nearest of the running ones (indexed: the "breaching soon" and "overdue" queues).
    Metrics (first response, resolution, replies to resolve, reopens, SLA attainment) are kept on the row as
    the conversation lives, for later dashboards.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversations")
    number = models.PositiveIntegerField(_("number"))
    customer = models.ForeignKey(Customer, on_delete=models.RESTRICT, related_name="conversations")
    channel = models.ForeignKey(Channel, on_delete=models.RESTRICT, related_name="conversations")
    subject = models.CharField(_("subject"), max_length=250, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    category = models.CharField(_("category"), max_length=60, blank=True)
    language = models.CharField(_("language"), max_length=8, default="fa")
    tags = models.ManyToManyField(Tag, blank=True, related_name="conversations", verbose_name=_("tags"))
    team = models.ForeignKey(
        "conversations.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )
    assignee = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_conversations"
    )
    assignment_reason = models.CharField(_("why assigned"), max_length=300, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    participants = models.ManyToManyField(Membership, blank=True, related_name="+")
    thread_key = models.CharField(
        max_length=200, blank=True, help_text="The provider's thread, if it has one."
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    last_outbound_at = models.DateTimeField(null=True, blank=True)
    awaiting_reply_since = models.DateTimeField(
        null=True, blank=True, help_text="The customer's oldest message not yet answered."
    )
    waiting_since = models.DateTimeField(null=True, blank=True, help_text="Waiting on the customer since.")
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="The last time it was resolved.")
    closed_at = models.DateTimeField(null=True, blank=True)

    sla_policy = models.ForeignKey(
        "conversations.SlaPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True, help_text="The nearest running SLA deadline.")
    sla_warned_at = models.DateTimeField(null=True, blank=True)
    sla_escalated_at = models.DateTimeField(null=True, blank=True)
    sla_paused_seconds = models.PositiveIntegerField(default=0, help_text="Business seconds spent waiting.")
    sla_breaches = models.JSONField(
        default=list, blank=True, help_text="Targets missed: first, next, resolution."
    )

    first_response_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Business seconds.")
    resolution_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Business seconds.")
    replies_count = models.PositiveIntegerField(default=0)
    inbound_count = models.PositiveIntegerField(default=0)
    reopened_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "number"], name="conversation_unique_number"),
        ]
        indexes = [
            models.Index(fields=["workspace", "status", "-last_message_at"], name="conv_ws_status"),
            # The queues: open conversations newest first, all of them, by assignee, by team (keyset pages
            # and capped counts read these without sorting).
            models.Index(  # carries the queues' filter columns: a page's ids come from the index alone
                fields=["workspace", "-last_message_at", "-id"],
                include=["assignee", "team", "channel", "priority", "sla_due_at", "merged_into"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="conv_open_recent",
            ),
            models.Index(
                fields=["workspace", "assignee", "-last_message_at", "-id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="conv_open_assignee",
            ),
            models.Index(
                fields=["workspace", "team", "-last_message_at", "-id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="conv_open_team",
            ),
            models.Index(  # the SLA sweep, the breaching-soon and overdue queues (most urgent first)
                fields=["workspace", "sla_due_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="conv_open_sla",
            ),
            models.Index(fields=["workspace", "updated_at"], name="conv_ws_updated"),  # live inbox updates
            models.Index(fields=["workspace", "customer", "-last_message_at"], name="conv_ws_customer"),
            models.Index(fields=["workspace", "channel", "thread_key"], name="conv_ws_thread"),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in (Status.NEW, Status.OPEN, Status.WAITING)


class Direction(models.TextChoices):
    INBOUND = "in", _("From the customer")
    OUTBOUND = "out", _("To the customer")
    NOTE = "note", _("Internal note")
    SYSTEM = "system", _("System")


class Message(models.Model):
    """A message in a conversation: from the customer, to the customer (through the outbox), or a note.

    ``external_id`` is the provider's id of an inbound message (unique per channel: a replayed webhook finds
    the message already stored) or the Message-ID we gave an outbound e-mail. Abusive inbound messages are
    flagged (``abuse``) and may be shown masked; nothing is ever deleted.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    channel = models.ForeignKey(Channel, on_delete=models.RESTRICT, related_name="+")
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    author = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    sender_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=250, blank=True)
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(blank=True)
    external_id = models.CharField(max_length=250, blank=True)
    references = models.JSONField(default=list, blank=True)
    outbox = models.OneToOneField(
        OutboxMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversation_message"
    )
    mentions = models.ManyToManyField(Membership, blank=True, related_name="+")
    abuse = models.JSONField(default=list, blank=True, help_text="Why the message was flagged as abusive.")
    template = models.ForeignKey(
        "conversations.CannedReply", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, help_text="When it was written or received.")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="message_unique_external",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "conversation", "created_at", "id"], name="message_ws_conv"),
        ]

    def __str__(self) -> str:
        return f"{self.direction}:{self.pk}"

    @property
    def is_abusive(self) -> bool:
        return bool(self.abuse)


class Attachment(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["workspace", "message"], name="attachment_ws_message")]

    def __str__(self) -> str:
        return self.filename


class Event(models.Model):
    """Something that happened to a conversation (status, assignment and why, SLA, merge, split, rule)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Opened")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        PRIORITY = "priority", _("Priority changed")
        TAGGED = "tagged", _("Tagged")
        SLA_WARNING = "sla_warning", _("SLA warning")
        SLA_BREACH = "sla_breach", _("SLA breached")
        ESCALATED = "escalated", _("Escalated")
        MERGED = "merged", _("Merged")
        SPLIT = "split", _("Split")
        REOPENED = "reopened", _("Reopened")
        AUTOMATION = "automation", _("Automation")
        UPDATED = "updated", _("Updated")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("conversation event")
        verbose_name_plural = _("conversation events")
        indexes = [models.Index(fields=["workspace", "conversation", "created_at"], name="event_ws_conv")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.conversation_id}"
