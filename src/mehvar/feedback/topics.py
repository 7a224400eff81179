"""The topics feedback is sorted into: the shipped ones (``corpus.TOPICS``) with their names in the user's
language, and a workspace's own topics (taught through corrections, ``WorkspaceModel.topics``)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from mehvar.feedback.corpus import TOPICS

TOPIC_LABELS = {
    "delivery": _("Delivery"),
    "price_value": _("Price and value"),
    "product_quality": _("Product quality"),
    "support": _("Support"),
    "website_app": _("Website and app"),
    "packaging": _("Packaging"),
    "refund_return": _("Refunds and returns"),
}


def topic_label(key: str) -> str:
    """A topic's name; a workspace's own topic is its own name."""
    return str(TOPIC_LABELS.get(key, key))


def topics_of(*, workspace: Any) -> list[str]:
    """The shipped topics, then the workspace's own."""
    from mehvar.feedback.models import WorkspaceModel

    own = WorkspaceModel.objects.filter(workspace=workspace).values_list("topics", flat=True).first()
    return [*TOPICS, *[str(t) for t in own or () if t not in TOPICS]]
