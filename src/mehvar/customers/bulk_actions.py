"""Bulk actions on a filtered customer list (the list's query and filters, optionally narrowed to ids):
tag them all, or give them all one account manager. One audit entry per action, with the count.

"Add to a later campaign" is not here: it needs the campaigns module, which does not exist yet.
Exporting the filtered list is ``exporting``.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet, Subquery
from django.utils.translation import ngettext

from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.roles import Perm
from mehvar.customers.models import Customer
from mehvar.customers.profile_fields import clean_owner, require
from mehvar.customers.search import customer_search
from mehvar.customers.services import tag_for

A = AuditEntry.Action


def _selected(
    acting: Membership, q: str, filters: Mapping[str, Any] | None, ids: Iterable[int] | None
) -> QuerySet[Customer]:
    queryset = customer_search(workspace=acting.workspace, q=q, filters=filters)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset


def customers_bulk_tag(
    *,
    acting: Membership,
    name: str,
    q: str = "",
    filters: Mapping[str, Any] | None = None,
    ids: Iterable[int] | None = None,
    via: str = "web",
) -> int:
    """Tag every customer of the filtered list (or only ``ids`` of it); how many got the tag now."""
    require(acting, Perm.CUSTOMERS_EDIT)
    with transaction.atomic():
        tag = tag_for(acting.workspace, name)
        through = Customer.tags.through
        chosen = _selected(acting, q, filters, ids).exclude(tags=tag).order_by().values_list("pk", flat=True)
        rows = [through(customer_id=pk, tag_id=tag.pk) for pk in chosen.iterator(chunk_size=2000)]
        through.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        audit_record(
            workspace=acting.workspace,
            actor=acting.user,
            action=A.UPDATE,
            object_type=Customer._meta.label_lower,
            object_label=ngettext("%(count)d customer", "%(count)d customers", len(rows))
            % {"count": len(rows)},
            after={"tag_added": tag.name, "count": len(rows), "q": q, "filters": dict(filters or {})},
            via=via,
        )
    return len(rows)


def customers_bulk_assign_owner(
    *,
    acting: Membership,
    owner: Membership | int | None,
    q: str = "",
    filters: Mapping[str, Any] | None = None,
    ids: Iterable[int] | None = None,
    via: str = "web",
) -> int:
    """Make ``owner`` (None: nobody) the account manager of every customer of the filtered list."""
    require(acting, Perm.CUSTOMERS_EDIT)
    manager = clean_owner(acting.workspace, owner)
    with transaction.atomic():
        count = Customer.objects.filter(
            pk__in=Subquery(_selected(acting, q, filters, ids).order_by().values("pk"))
        ).update(owner=manager)
        audit_record(
            workspace=acting.workspace,
            actor=acting.user,
            action=A.UPDATE,
            object_type=Customer._meta.label_lower,
            object_label=ngettext("%(count)d customer", "%(count)d customers", count) % {"count": count},
            after={
                "owner": manager.pk if manager else None,
                "count": count,
                "q": q,
                "filters": dict(filters or {}),
            },
            via=via,
        )
    return count
