"""Exports of the reports: a report's monthly table, and the responses behind a figure.

The monthly table is aggregates (``Perm.REPORTS_VIEW``). The responses name customers and carry their
comments, so exporting them is a bulk copy of personal data: ``Perm.DATA_EXPORT`` and an audit entry, as
the customer list's export. Both are CSV (streamed) or XLSX (``core.spreadsheets``); dates are Jalali.
"""

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from mehvar.core.audit import audit_record
from mehvar.core.jalali import format_datetime
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.roles import Perm, role_has
from mehvar.core.spreadsheets import cell
from mehvar.surveys.models import Answer, Response
from mehvar.surveys.reports.selectors import GROUPS, Filters, KindReport, group_of, responses_query

CHUNK = 2000


def months_table(report: KindReport) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and rows of a kind report's table: one row per Jalali month."""
    names = list(GROUPS[report.kind])
    header = [_("Month"), _("Responses"), *[group_label(name) for name in names], _headline(report.kind)]
    if report.kind == "nps":
        header += [_("Lower bound (95%)"), _("Upper bound (95%)")]

    def rows() -> Iterator[list[Any]]:
        for row in report.months:
            line: list[Any] = [row.label, row.responses, *[row.groups.get(name, 0) for name in names]]
            line.append("" if row.value is None else row.value)
            if report.kind == "nps":
                line += ["" if row.low is None else row.low, "" if row.high is None else row.high]
            yield line

    return header, rows()


def responses_export(
    *, acting: Membership, filters: Filters, kind: str = "", group: str = ""
) -> tuple[list[str], Iterator[list[Any]]]:
    """The responses behind a figure, with their comments; audited."""
    if not role_has(acting.role, Perm.DATA_EXPORT):
        raise PermissionDenied
    rows: QuerySet[Response] = responses_query(
        workspace=acting.workspace, filters=filters, kind=kind, group=group
    ).select_related("survey", "customer", "agent__user", "team")
    audit_record(
        workspace=acting.workspace,
        actor=acting.user,
        action=AuditEntry.Action.EXPORT,
        object_type=Response._meta.label_lower,
        object_label=_("Survey responses"),
        after={
            "months": f"{filters.first}-{filters.last}",
            "survey": filters.survey_id,
            "segment": filters.segment.encode(),
            "kind": kind,
            "group": group,
        },
    )
    header = [
        _("Answered at"), _("Survey"), _("Score"), _("Group"), _("Channel"), _("Agent"), _("Team"),
        _("Customer"), _("Comment"), _("Sentiment"), _("Topics"),
    ]  # fmt: skip

    def lines() -> Iterator[list[Any]]:
        batch: list[Response] = []
        for response in rows.iterator(chunk_size=CHUNK):
            batch.append(response)
            if len(batch) == CHUNK:
                yield from _lines(batch)
                batch = []
        yield from _lines(batch)

    return header, lines()


def _lines(batch: list[Response]) -> Iterator[list[Any]]:
    if not batch:
        return
    comments: dict[int, list[Answer]] = {}
    for answer in Answer.objects.filter(
        workspace_id=batch[0].workspace_id, response_id__in=[r.pk for r in batch]
    ).exclude(text=""):
        comments.setdefault(answer.response_id, []).append(answer)
    for response in batch:
        texts = comments.get(response.pk, [])
        agent = response.agent.user.full_name or response.agent.user.email if response.agent else ""
        yield [
            format_datetime(response.created_at),
            cell(response.survey.title_fa),
            "" if response.score is None else response.score,
            group_label(group_of(response.survey.kind, response.score)),
            response.channel_kind,
            cell(agent),
            cell(response.team.name if response.team else ""),
            cell(response.customer.display_name if response.customer else ""),
            cell(" | ".join(a.text for a in texts)),
            " ".join(a.sentiment for a in texts if a.sentiment),
            " ".join(sorted({t for a in texts for t in a.topics or ()})),
        ]


def _headline(kind: str) -> str:
    return {"nps": _("NPS"), "csat": _("CSAT (share satisfied)"), "ces": _("CES (mean effort)")}[kind]


def group_label(name: str) -> str:
    labels = {
        "promoter": _("Promoters"),
        "passive": _("Passives"),
        "detractor": _("Detractors"),
        "low": _("Low"),
        "neutral": _("Middle"),
        "high": _("High"),
    }
    return labels.get(name, "")
