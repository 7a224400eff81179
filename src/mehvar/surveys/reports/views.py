"""The survey report pages under /w/<slug>/surveys/reports/: NPS, CSAT, CES, response rates and drivers
(one page each, same filters), the comments feed, the drill-down to the responses behind any figure, and
exports. Thin: the figures come from ``reports.selectors``; every page needs ``Perm.REPORTS_VIEW``."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mehvar.channels.models import ChannelKind
from mehvar.core import spreadsheets
from mehvar.core.jalali import month_name
from mehvar.core.roles import Perm, role_has
from mehvar.core.tenancy import workspace_view
from mehvar.feedback.topics import topic_label, topics_of
from mehvar.surveys.models import SurveyKind
from mehvar.surveys.reports import charts, export, selectors
from mehvar.surveys.reports.forms import ReportFilterForm

KIND_TABS = (SurveyKind.NPS, SurveyKind.CSAT, SurveyKind.CES)
TABS = (*KIND_TABS, "rates", "drivers")
SENTIMENTS = ("negative", "neutral", "positive")
SCALES: dict[str, dict[str, Any]] = {
    SurveyKind.NPS: {"low": -100, "high": 100, "ticks": (-100, -50, 0, 50, 100)},
    SurveyKind.CSAT: {"low": 0, "high": 100, "ticks": (0, 25, 50, 75, 100)},
    SurveyKind.CES: {"low": 1, "high": 7, "ticks": (1, 2.5, 4, 5.5, 7)},
}


def _digits() -> str:
    return "fa" if (translation.get_language() or "fa").startswith("fa") else "en"


def _base(request: HttpRequest, tab: str) -> dict[str, Any]:
    workspace = request.workspace  # type: ignore[attr-defined]
    labels = selectors.segment_labels(workspace=workspace)
    form = ReportFilterForm(request.GET, workspace=workspace, labels=labels)
    filters = form.filters()
    query = {
        "start": filters.first,
        "end": filters.last,
        "survey": filters.survey_id or "",
        "segment": filters.segment.encode(),
    }
    params = {k: v for k, v in query.items() if v != ""}
    return {
        "tab": tab,
        "form": form,
        "filters": filters,
        "labels": labels,
        "params": params,
        "query": urlencode(params),
        "tabs": [(name, _tab_label(name)) for name in TABS],
        "may_export": role_has(request.membership.role, Perm.DATA_EXPORT),  # type: ignore[attr-defined]
    }


def _tab_label(tab: str) -> str:
    return {
        "nps": _("NPS"),
        "csat": _("CSAT"),
        "ces": _("CES"),
        "rates": _("Response rates"),
        "drivers": _("Drivers"),
    }[tab]


@workspace_view(Perm.REPORTS_VIEW)
@require_GET
def report(request: HttpRequest, tab: str = SurveyKind.NPS) -> HttpResponse:
    if tab not in TABS:
        raise Http404
    workspace = request.workspace  # type: ignore[attr-defined]
    context = _base(request, tab)
    filters = context["filters"]
    if tab in KIND_TABS:
        result = selectors.kind_report(
            workspace=workspace, kind=tab, filters=filters, labels=context["labels"]
        )
        slug, params = workspace.slug, context["params"]
        context.update(
            report=result,
            chart=_trend(result),
            groups=[(name, export.group_label(name)) for name in selectors.GROUPS[tab]],
            all_url=drill_url(slug, params, kind=tab),
            headline_groups=[
                (name, export.group_label(name), count, share, drill_url(slug, params, kind=tab, group=name))
                for name, count, share in result.total.shares
            ],
            months=[
                (row, drill_url(slug, params, kind=tab, start=row.key, end=row.key)) for row in result.months
            ],
            breakdowns=[
                (title, [(row, drill_url(slug, params, kind=tab, segment=row.key)) for row in rows])
                for title, rows in (
                    (_("By channel"), result.by_channel),
                    (_("By team"), result.by_team),
                    (_("By agent"), result.by_agent),
                )
                if rows
            ],
        )
        return render(request, "surveys/reports/kind.html", context)
    if tab == "rates":
        context["rates"] = selectors.rates_report(
            workspace=workspace, filters=filters, labels=context["labels"]
        )
        return render(request, "surveys/reports/rates.html", context)
    kind = request.GET.get("kind", SurveyKind.NPS)
    kind = kind if kind in KIND_TABS else SurveyKind.NPS
    drivers, low_mentions = selectors.drivers_report(workspace=workspace, kind=kind, filters=filters)
    context.update(
        drivers=drivers,
        low_mentions=low_mentions,
        kind=kind,
        kinds=[(k, _tab_label(k)) for k in KIND_TABS],
        low_group=selectors.LOW_GROUP[kind],
    )
    return render(request, "surveys/reports/drivers.html", context)


def _trend(result: selectors.KindReport) -> Any:
    scale = SCALES[result.kind]
    points = [charts.Point(month_name(row.key % 100), row.value, row.low, row.high) for row in result.months]
    title = _("%(kind)s by month") % {"kind": _tab_label(result.kind)}
    values = ", ".join(f"{row.label}: {'—' if row.value is None else row.value}" for row in result.months)
    return charts.trend_chart(
        points,
        low=scale["low"],
        high=scale["high"],
        ticks=scale["ticks"],
        title=title,
        description=values,
        rtl=translation.get_language_bidi(),
        digits=_digits(),
    )


@workspace_view(Perm.REPORTS_VIEW)
@require_GET
def comments(request: HttpRequest) -> HttpResponse:
    """New comments, newest first, filtered by topic, sentiment and score group."""
    workspace = request.workspace  # type: ignore[attr-defined]
    context = _base(request, "comments")
    topic = request.GET.get("topic", "")
    sentiment = request.GET.get("sentiment", "")
    group = request.GET.get("group", "")
    topic = topic if topic in topics_of(workspace=workspace) else ""
    sentiment = sentiment if sentiment in SENTIMENTS else ""
    group = group if any(group in groups for groups in selectors.GROUPS.values()) else ""
    page = selectors.comments_page(
        workspace=workspace,
        filters=context["filters"],
        topic=topic,
        sentiment=sentiment,
        group=group,
        cursor=request.GET.get("cursor", ""),
    )
    own = {"topic": topic, "sentiment": sentiment, "group": group}
    query = "&".join(filter(None, [context["query"], urlencode({k: v for k, v in own.items() if v})]))
    context.update(
        page=page,
        topic=topic,
        sentiment=sentiment,
        group=group,
        topics=[(key, topic_label(key)) for key in topics_of(workspace=workspace)],
        sentiments=[(key, _sentiment_label(key)) for key in SENTIMENTS],
        feed_query=query,
        next_url=f"?{query}&cursor={page.next_cursor}" if page.next_cursor else "",
        is_later_page=bool(request.GET.get("cursor")),
    )
    return render(request, "surveys/reports/comments.html", context)


@workspace_view(Perm.REPORTS_VIEW)
@require_GET
def responses(request: HttpRequest) -> HttpResponse:
    """The responses behind a number: ?start=&end= (a month: both the same), survey, segment, kind, group."""
    workspace = request.workspace  # type: ignore[attr-defined]
    context = _base(request, "responses")
    kind, group = _kind_group(request)
    page = selectors.responses_page(
        workspace=workspace,
        filters=context["filters"],
        kind=kind,
        group=group,
        cursor=request.GET.get("cursor", ""),
    )
    channels = dict(ChannelKind.choices)
    for response in page.rows:
        response.channel_label = channels.get(response.channel_kind, response.channel_kind)
    own = urlencode({k: v for k, v in {"kind": kind, "group": group}.items() if v})
    query = "&".join(filter(None, [context["query"], own]))
    context.update(
        page=page,
        kind=kind,
        group=group,
        group_label=export.group_label(group),
        drill_query=query,
        next_url=f"?{query}&cursor={page.next_cursor}" if page.next_cursor else "",
        is_later_page=bool(request.GET.get("cursor")),
    )
    return render(request, "surveys/reports/responses.html", context)


def _kind_group(request: HttpRequest) -> tuple[str, str]:
    kind = request.GET.get("kind", "")
    kind = kind if kind in KIND_TABS else ""
    group = request.GET.get("group", "")
    valid = selectors.GROUPS.get(kind) if kind else {g: 0 for gs in selectors.GROUPS.values() for g in gs}
    return kind, group if group in (valid or {}) else ""


@workspace_view(Perm.REPORTS_VIEW)
@require_GET
def download(request: HttpRequest) -> HttpResponse:
    """?what=months&tab=nps (the report's table) or ?what=responses (the drill-down; needs data export),
    &format=csv|xlsx, with the report's filters."""
    workspace = request.workspace  # type: ignore[attr-defined]
    membership = request.membership  # type: ignore[attr-defined]
    file_format = request.GET.get("format", "csv")
    what = request.GET.get("what", "months")
    if file_format not in spreadsheets.FORMATS or what not in ("months", "responses"):
        raise Http404
    filters = ReportFilterForm(request.GET, workspace=workspace).filters()
    if what == "months":
        tab = request.GET.get("tab", SurveyKind.NPS)
        if tab not in KIND_TABS:
            raise Http404
        result = selectors.kind_report(workspace=workspace, kind=tab, filters=filters, breakdowns=False)
        header, rows = export.months_table(result)
        name = f"{tab}-{filters.first}-{filters.last}"
    else:
        if not role_has(membership.role, Perm.DATA_EXPORT):
            raise PermissionDenied
        kind, group = _kind_group(request)
        header, rows = export.responses_export(acting=membership, filters=filters, kind=kind, group=group)
        name = f"responses-{filters.first}-{filters.last}"
    filename = f"{workspace.slug}-{name}-{timezone.localtime():%Y%m%d-%H%M}.{file_format}"
    if file_format == "csv":
        response = StreamingHttpResponse(
            spreadsheets.csv_chunks(header, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(
        spreadsheets.xlsx_file(header, rows, sheet=_("Report")),
        as_attachment=True,
        filename=filename,
        content_type=spreadsheets.XLSX_TYPE,
    )


def drill_url(slug: str, base: dict[str, Any], **params: Any) -> str:
    """The drill-down's address for the report's filters with these changed (a month, a group...)."""
    merged = {**base, **params}
    query = urlencode({k: v for k, v in merged.items() if v not in ("", None)})
    return f"{reverse('surveys:report_responses', args=[slug])}?{query}"


def _sentiment_label(key: str) -> str:
    return {"negative": _("Negative"), "neutral": _("Neutral"), "positive": _("Positive")}.get(key, key)
