"""A customer's rights over their data: a copy of everything (export) and erasure (anonymisation).

Both need ``customers.privacy`` (owners and admins) and are audited. Erasure is irreversible: it wipes what
identifies the person (names, contacts, identities, birthday, company, custom fields, notes and the
personal text of the timeline, the personal values in earlier audit entries about them) and keeps what
aggregate reports count: the row, its lifecycle, city and province, first seen and last contact, lifetime
value, NPS, tags, consents (channel, decision and time) and every activity with its kind, time and numbers.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.roles import Perm
from mehvar.customers.erasers import erasers_run
from mehvar.customers.models import (
    Activity,
    Consent,
    Customer,
    CustomField,
    DuplicateSuggestion,
    Identity,
    Merge,
)
from mehvar.customers.profile_fields import AUDITED_FIELDS, require

A = AuditEntry.Action
PROFILE_EXPORT_FIELDS = (
    *AUDITED_FIELDS,
    "first_seen_at",
    "last_contact_at",
    "lifetime_value",
    "last_nps",
    "rights_acknowledged_at",
    "created_at",
    "updated_at",
)
WIPED = {
    "first_name": "",
    "last_name": "",
    "display_name": "",
    "first_name_latin": "",
    "last_name_latin": "",
    "phone": "",
    "email": "",
    "birthday": None,
    "company": "",
    "job_title": "",
    "contact_policy": "",
    "custom_fields": {},
    "search_text": "",
}
AUDIT_KEPT_KEYS = frozenset({"lifecycle", "owner", "count", "rights_acknowledged_at", "city", "province"})
ERASED_MARK = "—"


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def customer_export(*, acting: Membership, customer: Customer, via: str = "web") -> dict[str, Any]:
    """Everything the workspace holds about one customer, JSON-ready (dates ISO, times UTC)."""
    require(acting, Perm.CUSTOMERS_PRIVACY, customer.workspace_id)
    if customer.erased_at is not None:
        raise ValidationError({"customer": _("This customer's data was erased.")})
    workspace = customer.workspace
    definitions = {d.key: d for d in CustomField.objects.filter(workspace=workspace)}
    data = {
        "customer": {"id": customer.pk}
        | {
            name: _plain(getattr(customer, Customer._meta.get_field(name).attname))
            for name in PROFILE_EXPORT_FIELDS
        },
        "identities": [
            {"kind": i.kind, "value": i.value, "written_as": i.written_as, "created_at": _plain(i.created_at)}
            for i in Identity.objects.filter(workspace=workspace, customer=customer).order_by(
                "created_at", "pk"
            )
        ],
        "consents": [
            {
                "channel": c.channel,
                "granted": c.granted,
                "source": c.source,
                "recorded_at": _plain(c.recorded_at),
            }
            for c in Consent.objects.filter(workspace=workspace, customer=customer).order_by(
                "recorded_at", "pk"
            )
        ],
        "custom_fields": [
            {
                "key": key,
                "label": definitions[key].label if key in definitions else key,
                "type": definitions[key].type if key in definitions else "",
                "value": value,
            }
            for key, value in customer.custom_fields.items()
        ],
        "tags": sorted(customer.tags.values_list("name", flat=True)),
        "activities": [
            {
                "kind": a.kind,
                "channel": a.channel,
                "occurred_at": _plain(a.occurred_at),
                "summary": a.summary,
                "data": a.data,
                "source": a.source,
                "external_id": a.external_id,
            }
            for a in Activity.objects.filter(workspace=workspace, customer=customer).order_by(
                "occurred_at", "pk"
            )
        ],
        "exported_at": timezone.now().isoformat(),
    }
    audit_record(
        workspace=workspace,
        actor=acting.user,
        action=A.EXPORT,
        obj=customer,
        after={"format": "json", "activities": len(data["activities"])},
        via=via,
    )
    return data


def _numbers_only(data: Any) -> dict[str, Any]:
    """What an activity's data keeps after erasure: numbers and yes/no values, no text."""
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, bool | int | float)}


def _redact(values: Any) -> Any:
    if not isinstance(values, dict):
        return values
    return {k: (v if k in AUDIT_KEPT_KEYS else ERASED_MARK) for k, v in values.items()}


def customer_erase(*, acting: Membership, customer: Customer, via: str = "web") -> Customer:
    """Anonymise ``customer`` for good (and the records merged into it), keeping aggregate counts."""
    require(acting, Perm.CUSTOMERS_PRIVACY, customer.workspace_id)
    if customer.merged_into_id is not None:
        raise ValidationError(
            {"customer": _("This customer was merged into another: erase the customer it was merged into.")}
        )
    if customer.erased_at is not None:
        raise ValidationError({"customer": _("This customer's data was already erased.")})
    workspace = customer.workspace
    now = timezone.now()
    with transaction.atomic():
        people = [
            customer.pk,
            *Customer.objects.filter(workspace=workspace, merged_into=customer).values_list("pk", flat=True),
        ]
        Customer.objects.filter(workspace=workspace, pk__in=people).update(
            **WIPED, erased_at=now, updated_at=now
        )
        Identity.objects.filter(workspace=workspace, customer_id__in=people).delete()
        DuplicateSuggestion.objects.filter(
            Q(customer_a_id__in=people) | Q(customer_b_id__in=people), workspace=workspace
        ).delete()
        Merge.objects.filter(Q(survivor_id__in=people) | Q(merged_id__in=people), workspace=workspace).update(
            survivor_before={}
        )
        Consent.objects.filter(workspace=workspace, customer_id__in=people).update(source=ERASED_MARK)
        activities = list(
            Activity.objects.filter(workspace=workspace, customer_id__in=people).only("pk", "data")
        )
        for activity in activities:
            activity.summary, activity.data = "", _numbers_only(activity.data)
        Activity.objects.bulk_update(activities, ["summary", "data"], batch_size=1000)
        entries = list(
            AuditEntry.objects.filter(
                workspace=workspace,
                object_type=Customer._meta.label_lower,
                object_id__in=[str(p) for p in people],
            )
        )
        for entry in entries:
            entry.object_label = f"#{entry.object_id}"
            entry.before, entry.after = _redact(entry.before), _redact(entry.after)
        AuditEntry.objects.bulk_update(entries, ["object_label", "before", "after"], batch_size=1000)
        wiped_elsewhere = erasers_run(workspace=workspace, customer_ids=people)
        audit_record(
            workspace=workspace,
            actor=acting.user,
            action=A.DELETE,
            object_type=Customer._meta.label_lower,
            object_id=str(customer.pk),
            object_label=f"#{customer.pk}",
            after={
                "erased": True,
                "records": len(people),
                "activities_kept": len(activities),
                "wiped": wiped_elsewhere,
            },
            via=via,
        )
    customer.refresh_from_db()
    return customer
