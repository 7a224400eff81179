from mehvar.conversations.models.conversations import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    Attachment,
    Conversation,
    Direction,
    Event,
    Message,
    Priority,
    Status,
)
from mehvar.conversations.models.setup import (
    AgentProfile,
    AutomationRule,
    CannedReply,
    InboxSettings,
    SlaPolicy,
    Team,
)

__all__ = [
    "OPEN_STATUSES",
    "PRIORITY_RANK",
    "AgentProfile",
    "Attachment",
    "AutomationRule",
    "CannedReply",
    "Conversation",
    "Direction",
    "Event",
    "InboxSettings",
    "Message",
    "Priority",
    "SlaPolicy",
    "Status",
    "Team",
]
