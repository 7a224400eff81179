"""Merging two customers into one, and undoing it within 30 days.

``customer_merge(acting, survivor, merged, choices)`` keeps everything:

* identities and timeline activities move to the survivor; each moved row points at the ``Merge``
  (``Identity.merge``, ``Activity.merge``) so that undo knows what to move back;
* consents: the merged customer's history moves to the survivor, and where the two current decisions for a
  channel differ the strictest holds (a denial wins over a grant), recorded as a new consent row;
* tags: the union; custom fields and profile fields: an empty survivor value is filled from the merged
  customer, and for a value both have and differ on, ``choices[field]`` ("survivor", the default, or
  "merged") decides; custom fields are named ``custom_fields.<key>`` there;
* first seen is the earlier one, last contact the later one, lifetime value the sum;
* notes are timeline activities and move with them.
* other modules' rows (conversations...) move through the registry in ``merge_movers``; each records what
  it moved, kept on the ``Merge`` row (``survivor_before["moved"]``), and undo moves exactly those back.

The merged customer keeps its row with ``merged_into`` set (hidden from lists and search). The ``Merge`` row
records the survivor's fields before and after, the tags and consents added, and the merge links that moved
rows had before, in ``survivor_before``. ``merge_undo`` puts all of it back: identities, activities and
consents return, added tags and consent rows go, and every survivor field the merge changed returns to its
old value unless someone has edited it since. Both are audited and put a "merge" activity on the survivor's
timeline (the merge's history stays there after an undo).
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.core.audit import audit_record, snapshot
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.roles import Perm, role_has
from mehvar.customers import merge_movers
from mehvar.customers.matching import refresh_contacts
from mehvar.customers.models import Activity, Consent, Customer, DuplicateSuggestion, Identity, Merge

UNDO_WINDOW = dt.timedelta(days=30)
SURVIVOR, MERGED = "survivor", "merged"
CUSTOM_PREFIX = "custom_fields."
# Profile fields: filled when the survivor's is empty, chosen per conflict otherwise.
CHOOSABLE_FIELDS = (
    "first_name",
    "last_name",
    "display_name",
    "first_name_latin",
    "last_name_latin",
    "phone",
    "email",
    "city",
    "province",
    "birthday",
    "company",
    "job_title",
    "lifecycle",
    "owner",
    "contact_policy",
    "rights_acknowledged_at",
    "last_nps",
)
COMBINED_FIELDS = ("first_seen_at", "last_contact_at", "lifetime_value")
SNAPSHOT_FIELDS = (*CHOOSABLE_FIELDS, *COMBINED_FIELDS, "custom_fields", "search_text")


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _check_choices(choices: dict[str, str]) -> None:
    errors = {}
    for key, value in choices.items():
        known = key in CHOOSABLE_FIELDS or (key.startswith(CUSTOM_PREFIX) and len(key) > len(CUSTOM_PREFIX))
        if not known:
            errors[key] = _("This field cannot be chosen in a merge.")
        elif value not in (SURVIVOR, MERGED):
            errors[key] = _("Choose “survivor” or “merged”.")
    if errors:
        raise ValidationError(errors)


def _lock_pair(acting: Membership, survivor: Customer, merged: Customer) -> tuple[Customer, Customer]:
    if survivor.workspace_id != acting.workspace_id or merged.workspace_id != acting.workspace_id:
        raise Http404
    rows = {
        c.pk: c
        for c in Customer.objects.select_for_update().filter(
            workspace_id=acting.workspace_id, pk__in=[survivor.pk, merged.pk]
        )
    }
    if survivor.pk not in rows or merged.pk not in rows:
        raise Http404
    return rows[survivor.pk], rows[merged.pk]


def _require_edit(acting: Membership) -> None:
    if not role_has(acting.role, Perm.CUSTOMERS_EDIT):
        raise PermissionDenied


def _combine_fields(survivor: Customer, merged: Customer, choices: dict[str, str]) -> None:
    for name in CHOOSABLE_FIELDS:
        attname = Customer._meta.get_field(name).attname
        mine, theirs = getattr(survivor, attname), getattr(merged, attname)
        if _empty(theirs) or mine == theirs:
            continue
        if _empty(mine) or choices.get(name) == MERGED:
            setattr(survivor, attname, theirs)
    custom = dict(survivor.custom_fields or {})
    for key, theirs in (merged.custom_fields or {}).items():
        mine = custom.get(key)
        if _empty(theirs) or mine == theirs:
            continue
        if _empty(mine) or choices.get(CUSTOM_PREFIX + key) == MERGED:
            custom[key] = theirs
    survivor.custom_fields = custom
    survivor.first_seen_at = min(survivor.first_seen_at, merged.first_seen_at)
    contacts = [moment for moment in (survivor.last_contact_at, merged.last_contact_at) if moment]
    survivor.last_contact_at = max(contacts) if contacts else None
    survivor.lifetime_value = survivor.lifetime_value + merged.lifetime_value


def _current_consents(customer_id: int) -> dict[str, Consent]:
    current: dict[str, Consent] = {}
    for consent in Consent.objects.filter(customer_id=customer_id).order_by("-recorded_at", "-pk"):
        current.setdefault(consent.channel, consent)
    return current


def _merge_consents(acting: Membership, survivor: Customer, merged: Customer, now: dt.datetime) -> dict:
    mine, theirs = _current_consents(survivor.pk), _current_consents(merged.pk)
    strictest = {
        channel: all(c.granted for c in (mine.get(channel), theirs.get(channel)) if c is not None)
        for channel in {*mine, *theirs}
    }
    moved = list(Consent.objects.filter(customer=merged).values_list("pk", flat=True))
    Consent.objects.filter(pk__in=moved).update(customer=survivor)
    newest = _current_consents(survivor.pk)
    added = [
        Consent(
            workspace_id=survivor.workspace_id,
            customer=survivor,
            channel=channel,
            granted=granted,
            source=_("Merge of two customers: the stricter choice holds"),
            recorded_at=now,
            recorded_by=acting,
        )
        for channel, granted in sorted(strictest.items())
        if newest[channel].granted != granted
    ]
    for consent in added:
        consent.save()
    return {"consents_moved": moved, "consents_added": [c.pk for c in added]}


def _move(model: type[Identity] | type[Activity], merge: Merge, source: Customer, target: Customer) -> dict:
    """Move ``source``'s rows to ``target`` marked with ``merge``; the marks they had before, by row."""
    rows = model.objects.filter(workspace_id=merge.workspace_id, customer=source)
    earlier = {str(pk): prev for pk, prev in rows.filter(merge__isnull=False).values_list("pk", "merge_id")}
    rows.update(customer=target, merge=merge)
    return earlier


def _move_back(model: type[Identity] | type[Activity], merge: Merge, target: Customer, earlier: dict) -> None:
    model.objects.filter(workspace_id=merge.workspace_id, merge=merge).update(customer=target, merge=None)
    by_previous: dict[int, list[int]] = {}
    for pk, previous in earlier.items():
        by_previous.setdefault(previous, []).append(int(pk))
    for previous, pks in by_previous.items():
        model.objects.filter(workspace_id=merge.workspace_id, pk__in=pks).update(merge_id=previous)


def _suggestion(survivor: Customer, merged: Customer) -> DuplicateSuggestion | None:
    a, b = sorted((survivor.pk, merged.pk))
    return (
        DuplicateSuggestion.objects.select_for_update()
        .filter(workspace_id=survivor.workspace_id, customer_a_id=a, customer_b_id=b)
        .first()
    )


def _timeline(survivor: Customer, acting: Membership, summary: str, data: dict, merge: Merge) -> None:
    from mehvar.customers import timeline

    timeline.activity_record(
        workspace=survivor.workspace,
        customer=survivor,
        kind="merge",
        occurred_at=timezone.now(),
        summary=summary,
        data=data,
        actor=acting,
        record=merge,
    )


def _refresh(customer: Customer) -> None:
    identities = list(Identity.objects.filter(customer=customer).order_by("pk"))
    customer.search_text = ""
    refresh_contacts(customer, identities)


def customer_merge(
    *,
    acting: Membership,
    survivor: Customer,
    merged: Customer,
    choices: dict[str, str] | None = None,
    via: str = "web",
) -> Merge:
    """Fold ``merged`` into ``survivor`` (see the module docstring); the Merge row that can undo it."""
    choices = dict(choices or {})
    _require_edit(acting)
    _check_choices(choices)
    if survivor.pk == merged.pk:
        raise ValidationError({"merged": _("A customer cannot be merged with itself.")})
    now = timezone.now()
    with transaction.atomic():
        survivor, merged = _lock_pair(acting, survivor, merged)
        for customer in (survivor, merged):
            if not customer.is_active_record:
                raise ValidationError(
                    {"merged": _("%(name)s has been merged or erased already.") % {"name": customer}}
                )
        before = snapshot(survivor, SNAPSHOT_FIELDS)
        merge = Merge.objects.create(
            workspace_id=survivor.workspace_id,
            survivor=survivor,
            merged=merged,
            survivor_before={},
            choices=choices,
            performed_by=acting,
            performed_at=now,
        )
        record: dict[str, Any] = {
            "identities_marked": _move(Identity, merge, merged, survivor),
            "activities_marked": _move(Activity, merge, merged, survivor),
        }
        record.update(_merge_consents(acting, survivor, merged, now))
        present = set(survivor.tags.values_list("pk", flat=True))
        record["moved"] = merge_movers.movers_run(merge=merge, source=merged, target=survivor)
        record["tags_added"] = sorted(set(merged.tags.values_list("pk", flat=True)) - present)
        survivor.tags.add(*record["tags_added"])
        _combine_fields(survivor, merged, choices)
        _refresh(survivor)
        survivor.save()
        merged.merged_into = survivor
        merged.save(update_fields=["merged_into", "updated_at"])
        suggestion = _suggestion(survivor, merged)
        if suggestion is not None:
            record["suggestion"] = snapshot(suggestion, ["status", "reviewed_by", "reviewed_at"])
            suggestion.status = DuplicateSuggestion.Status.MERGED
            suggestion.reviewed_by, suggestion.reviewed_at = acting, now
            suggestion.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        merge.survivor_before = {"fields": before, "after": snapshot(survivor, SNAPSHOT_FIELDS), **record}
        merge.save(update_fields=["survivor_before"])
        _timeline(
            survivor,
            acting,
            _("Merged with %(name)s") % {"name": str(merged)},
            {"merge": merge.pk, "merged": merged.pk},
            merge,
        )
        audit_record(
            workspace=survivor.workspace,
            actor=acting.user,
            action=AuditEntry.Action.CREATE,
            obj=merge,
            object_label=_("%(merged)s merged into %(survivor)s") % {"merged": merged, "survivor": survivor},
            after={
                "survivor": survivor.pk,
                "merged": merged.pk,
                "choices": choices,
                "identities": Identity.objects.filter(merge=merge).count(),
                "activities": Activity.objects.filter(merge=merge).count(),
            },
            via=via,
        )
    return merge


def merge_undo(*, acting: Membership, merge: Merge, via: str = "web") -> None:
    """Undo ``merge`` within 30 days: both customers as they were (see the module docstring)."""
    _require_edit(acting)
    if merge.workspace_id != acting.workspace_id:
        raise Http404
    now = timezone.now()
    with transaction.atomic():
        merge = (
            Merge.objects.select_for_update().filter(workspace_id=acting.workspace_id, pk=merge.pk).first()
        )
        if merge is None:
            raise Http404
        if merge.undone_at is not None:
            raise ValidationError({"merge": _("This merge has already been undone.")})
        if now - merge.performed_at > UNDO_WINDOW:
            raise ValidationError({"merge": _("A merge can be undone for 30 days only; this one is older.")})
        survivor, merged = _lock_pair(acting, merge.survivor, merge.merged)
        if survivor.merged_into_id is not None or survivor.erased_at or merged.erased_at:
            raise ValidationError(
                {"merge": _("Undo the later merge of this customer first, or it has been erased.")}
            )
        if merged.merged_into_id != survivor.pk:
            raise ValidationError({"merge": _("This merge has already been undone.")})
        record = merge.survivor_before
        _move_back(Identity, merge, merged, record.get("identities_marked", {}))
        _move_back(Activity, merge, merged, record.get("activities_marked", {}))
        merge_movers.movers_undo(
            merge=merge, survivor=survivor, merged=merged, records=record.get("moved", {})
        )
        Consent.objects.filter(pk__in=record.get("consents_added", [])).delete()
        Consent.objects.filter(pk__in=record.get("consents_moved", [])).update(customer=merged)
        survivor.tags.remove(*record.get("tags_added", []))
        _restore_fields(survivor, record["fields"], record["after"])
        _refresh(survivor)
        survivor.save()
        merged.merged_into = None
        merged.save(update_fields=["merged_into", "updated_at"])
        suggestion = _suggestion(survivor, merged)
        if suggestion is not None and "suggestion" in record:
            suggestion.status = record["suggestion"]["status"]
            suggestion.reviewed_by_id = record["suggestion"]["reviewed_by"]
            suggestion.reviewed_at = DuplicateSuggestion._meta.get_field("reviewed_at").to_python(
                record["suggestion"]["reviewed_at"]
            )
            suggestion.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        merge.undone_at, merge.undone_by = now, acting
        merge.save(update_fields=["undone_at", "undone_by"])
        _timeline(
            survivor,
            acting,
            _("Merge with %(name)s undone") % {"name": str(merged)},
            {"merge": merge.pk, "merged": merged.pk, "undone": True},
            merge,
        )
        audit_record(
            workspace=survivor.workspace,
            actor=acting.user,
            action=AuditEntry.Action.UPDATE,
            obj=merge,
            object_label=_("Merge of %(merged)s into %(survivor)s undone")
            % {"merged": merged, "survivor": survivor},
            before={"undone_at": None},
            after={"undone_at": now},
            via=via,
        )


def _restore_fields(survivor: Customer, before: dict[str, Any], after: dict[str, Any]) -> None:
    """Every field the merge changed goes back, unless it was edited after the merge."""
    current = snapshot(survivor, SNAPSHOT_FIELDS)
    for name in SNAPSHOT_FIELDS:
        if name == "search_text" or before.get(name) == after.get(name):
            continue
        if name == "custom_fields":
            survivor.custom_fields = _restore_custom(
                before[name] or {}, after[name] or {}, current[name] or {}
            )
            continue
        if current[name] != after[name]:
            continue  # edited since the merge: the newer value stands
        field = Customer._meta.get_field(name)
        setattr(survivor, field.attname, field.to_python(before[name]))


def _restore_custom(before: dict, after: dict, current: dict) -> dict:
    restored = dict(current)
    for key in set(before) | set(after):
        if before.get(key) == after.get(key) or current.get(key) != after.get(key):
            continue
        if key in before:
            restored[key] = before[key]
        else:
            restored.pop(key, None)
    return restored
