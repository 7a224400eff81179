"""A spreadsheet of customer reviews, as the upload page reads it (``core.spreadsheet_uploads``).

Fixed columns, no mapping step: the items of ``reviews.reviews_import`` flattened, ``source, external_id,
text, rating, rating_max, written_at, phone, email`` (``phone`` and ``email`` become the item's
``identities``). Every cell is passed as text: the checks read Persian digits and Jalali dates.
"""

import datetime as dt
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.core.models import Membership
from mehvar.core.spreadsheet_uploads import ColumnGuide
from mehvar.feedback import reviews
from mehvar.feedback.review_checks import DEFAULT_RATING_MAX, key_of, reviews_clean, reviews_existing

COLUMNS = ("source", "external_id", "text", "rating", "rating_max", "written_at", "phone", "email")
REQUIRED = ("source", "external_id", "text", "written_at")
IDENTITY_COLUMNS = ("phone", "email")


class ReviewsSheet:
    """How a row becomes an item of ``reviews_import``, in the member's workspace."""

    columns = COLUMNS
    required = REQUIRED
    key_column = "external_id"

    def __init__(self, *, acting: Membership, now: dt.datetime | None = None) -> None:
        self.acting = acting
        self.now = now or timezone.now()

    def header_problems(self, headers: Sequence[str]) -> list[str]:
        return []

    def row_item(self, cells: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        plain = ("source", "external_id", "text", "rating", "rating_max", "written_at")
        item: dict[str, Any] = {name: cells[name] for name in plain if name in cells}
        columns: dict[str, str] = {}
        identities = [(kind, cells[kind]) for kind in IDENTITY_COLUMNS if kind in cells]
        if identities:
            item["identities"] = [{"kind": kind, "value": value} for kind, value in identities]
            columns["identities"] = identities[0][0]
            columns.update({f"identities.{n}": kind for n, (kind, _value) in enumerate(identities)})
        return item, columns

    def key(self, item: Mapping[str, Any]) -> Hashable | None:
        source, external_id = key_of(item)
        return (source, external_id) if source and external_id else None

    def duplicate_message(self, first: int, second: int) -> str:
        return _("Rows %(first)d and %(second)d have the same source and external id.") % {
            "first": first,
            "second": second,
        }

    def apply(self, items: list[dict[str, Any]]) -> tuple[int, int]:
        result = reviews.reviews_import(acting=self.acting, items=items, via="web", now=self.now)
        return result.created_count, result.existing_count

    def check(self, items: list[dict[str, Any]]) -> None:
        keys = [key_of(item) for item in items]
        existing = reviews_existing(workspace_id=self.acting.workspace_id, keys=keys)
        reviews_clean(items, existing, self.now)


def column_guide() -> list[ColumnGuide]:
    """What each column holds, for the page."""
    return [
        ColumnGuide(
            "source",
            True,
            _("Where the review was written: 2 to 20 lowercase Latin letters, digits, “-” and “_”."),
            "digikala",
        ),
        ColumnGuide(
            "external_id",
            True,
            _(
                "The review's id where it was written (at most 100 characters). A review the workspace "
                "already has from that source is skipped, so the same file can be uploaded again."
            ),
            "dk-88123456",
        ),
        ColumnGuide(
            "text", True, _("What the customer wrote; it is analysed when imported."), "جعبه‌اش له شده بود"
        ),
        ColumnGuide(
            "rating",
            False,
            _("The rating given, a whole number from 0 to the highest rating."),
            "۳",
        ),
        ColumnGuide(
            "rating_max",
            False,
            _("The highest rating of that scale (%(default)d when empty).") % {"default": DEFAULT_RATING_MAX},
            "5",
        ),
        ColumnGuide(
            "written_at",
            True,
            _("When it was written: Jalali or Gregorian, with or without the time (Tehran time)."),
            "۱۴۰۳/۰۷/۱۵ ۱۰:۳۰",
        ),
        ColumnGuide(
            "phone",
            False,
            _("The customer's mobile number, if known; an unknown number becomes a new customer."),
            "۰۹۱۲ ۳۴۵ ۶۷۸۹",
        ),
        ColumnGuide("email", False, _("The customer's e-mail address, if known."), "ali@example.com"),
    ]
