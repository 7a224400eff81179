"""Survey reports: monthly roll-ups agree with the live count, NPS with its interval, CSAT/CES, breakdowns,
segments, response rates, drivers, the comments feed, the drill-down, exports, who may see them, and that
another workspace's answers never count."""

import csv
import datetime as dt
import io
import math

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from mehvar.conversations.models import Team
from mehvar.core.models import AuditEntry
from mehvar.surveys import authoring
from mehvar.surveys.models import Invitation, Response, ScoreMonth, SurveySettings
from mehvar.surveys.reports import rollups
from mehvar.surveys.reports.selectors import (
    Filters,
    Segment,
    comments_page,
    drivers_report,
    kind_report,
    rates_report,
    responses_page,
)
from mehvar.surveys.tests.support import customer, email_channel, nps_survey, respond, sms_channel, tehran
from mehvar.testing import login

pytestmark = pytest.mark.django_db
NOW = tehran(2026, 11, 24, 11)  # 1405/09/03: the current month is Azar 1405 (140509)
MEHR, ABAN, AZAR = 140507, 140508, 140509


def url(name, *args, slug="shop-a"):
    return reverse(f"surveys:{name}", args=[slug, *args])


@pytest.fixture
def shop(tenants):
    """Workspace A: an NPS and a CSAT survey, two agents in two teams, answers over Mehr, Aban and Azar."""
    with time_machine.travel(NOW, tick=False):
        sms = sms_channel(tenants.ws_a)
        email_channel(tenants.ws_a)
        nps = nps_survey(tenants.owner_a, trigger="manual")
        csat = authoring.survey_create(
            acting=tenants.owner_a, kind="csat", title_fa="رضایت", trigger="manual", active=False
        )
        sales = Team.objects.create(workspace=tenants.ws_a, name="فروش")
        care = Team.objects.create(workspace=tenants.ws_a, name="پشتیبانی")
        good, poor = tenants.agent_a, tenants.by_role["supervisor"]
        person = customer(tenants.owner_a, first_name="مریم")
        mehr, aban, azar = tehran(2026, 10, 5), tehran(2026, 11, 2), tehran(2026, 11, 23)
        # Mehr: 3 promoters, 1 passive, 1 detractor -> NPS 40; Aban: 1 promoter, 2 detractors -> -33.3
        for score in (10, 9, 9, 7):
            respond(nps, score, mehr, agent=good, team=sales, person=person)
        late = "پیک خیلی دیر رسید و غذا سرد بود"
        respond(nps, 3, mehr, agent=poor, team=care, channel="email", person=person,
                text=late, sentiment="negative", topics=["delivery"])  # fmt: skip
        respond(
            nps, 10, aban, agent=good, team=sales, text="عالی بود", sentiment="positive", topics=["support"]
        )
        respond(nps, 2, aban, agent=poor, team=care, text="گران بود و دیر رسید", sentiment="negative",
                topics=["price_value", "delivery"])  # fmt: skip
        respond(nps, 5, aban, agent=poor, team=care, channel="email")
        # Azar (the current month): 2 promoters
        respond(nps, 9, azar, agent=good, team=sales)
        respond(
            nps,
            10,
            azar,
            agent=good,
            team=sales,
            text="<script>alert(1)</script> ممنون",
            sentiment="positive",
        )
        for score, agent in ((5, good), (4, good), (2, poor), (1, poor)):
            respond(csat, score, aban, agent=agent, team=sales if agent == good else care)
        # invitations: 4 sent in Aban by SMS, 1 answered
        for n in range(4):
            Invitation.objects.create(
                workspace=tenants.ws_a, survey=nps, customer=person, channel=sms, address="+989121111111",
                token=f"t{n}", send_at=aban, sent_at=aban, expires_at=NOW,
                answered_at=aban if n == 0 else None,
            )  # fmt: skip
    other = nps_survey(tenants.outsider_b, trigger="manual")
    for score in (0, 0, 0):
        respond(other, score, tehran(2026, 10, 6))
    return {"nps": nps, "csat": csat, "good": good, "poor": poor, "sales": sales, "care": care}


def period(first=MEHR, last=AZAR, **kwargs):
    return Filters(first=first, last=last, **kwargs)


def by_month(report):
    return {row.key: row for row in report.months}


def test_nps_by_jalali_month_with_its_interval(tenants, shop):
    with time_machine.travel(NOW, tick=False):
        report = kind_report(workspace=tenants.ws_a, kind="nps", filters=period())
    months = by_month(report)
    assert [months[m].value for m in (MEHR, ABAN, AZAR)] == [40.0, -33.3, 100.0]
    assert months[MEHR].groups == {"detractor": 1, "passive": 1, "promoter": 3}
    # 95% interval from the variance of +1/0/-1: p = 0.6, d = 0.2, n = 5
    se = math.sqrt((0.6 + 0.2 - 0.4**2) / 5)
    assert months[MEHR].low == round(40 - 196 * se, 1)
    assert months[MEHR].high == min(round(40 + 196 * se, 1), 100.0)
    assert report.total.responses == 10  # workspace B's three detractors are not here
    assert report.total.value == round(100 * (6 - 3) / 10, 1)
    assert [row.label.split()[0] for row in report.months] == ["مهر", "آبان", "آذر"]


def test_rolled_up_months_and_live_months_give_the_same_figures(tenants, shop):
    filters = period()
    with time_machine.travel(NOW, tick=False):
        live = kind_report(workspace=tenants.ws_a, kind="nps", filters=filters)
        assert rollups.workspace_rollup(workspace_id=tenants.ws_a.pk) == [MEHR, ABAN, AZAR]
        state = SurveySettings.objects.get(workspace=tenants.ws_a)
        assert (state.rolled_month, state.rolled_at) == (AZAR, NOW)  # the current month up to now
        assert ScoreMonth.objects.filter(workspace=tenants.ws_a, month=MEHR, dimension="all").exists()
        assert ScoreMonth.objects.filter(workspace=tenants.ws_a, month=AZAR, dimension="all").exists()
        rolled = kind_report(workspace=tenants.ws_a, kind="nps", filters=filters)
        # a second run changes nothing (months are rebuilt whole)
        rollups.workspace_rollup(workspace_id=tenants.ws_a.pk)
        again = kind_report(workspace=tenants.ws_a, kind="nps", filters=filters)
        # rolled-up months are read from the roll-ups: the responses themselves are not read again
        Response.objects.filter(workspace=tenants.ws_a, created_at__lt=tehran(2026, 10, 23)).delete()
        from_rollups = by_month(kind_report(workspace=tenants.ws_a, kind="nps", filters=filters))
    assert [(r.key, r.groups) for r in live.months] == [(r.key, r.groups) for r in rolled.months]
    assert [(r.label, r.groups) for r in live.by_agent] == [(r.label, r.groups) for r in rolled.by_agent]
    assert [(r.label, r.value) for r in rolled.by_team] == [(r.label, r.value) for r in again.by_team]
    assert from_rollups[MEHR].responses == 5 and from_rollups[MEHR].value == 40.0
    assert ScoreMonth.objects.filter(workspace=tenants.ws_b).count() == 0


def test_a_past_month_written_into_after_its_roll_up_is_counted_once_refreshed(tenants, shop):
    with time_machine.travel(NOW, tick=False):
        rollups.workspace_rollup(workspace_id=tenants.ws_a.pk)
        late = respond(shop["nps"], 0, tehran(2026, 10, 10))
        stale = by_month(kind_report(workspace=tenants.ws_a, kind="nps", filters=period()))[MEHR]
        rollups.report_moments_refresh(workspace_id=tenants.ws_a.pk, moments=[late.created_at])
        fresh = by_month(kind_report(workspace=tenants.ws_a, kind="nps", filters=period()))[MEHR]
    assert stale.responses == 5
    assert fresh.responses == 6 and fresh.groups["detractor"] == 2


def test_csat_by_agent_team_and_channel(tenants, shop):
    with time_machine.travel(NOW, tick=False):
        rollups.workspace_rollup(workspace_id=tenants.ws_a.pk)
        report = kind_report(workspace=tenants.ws_a, kind="csat", filters=period())
    agents = {row.label: row.value for row in report.by_agent}
    assert agents == {"مالک الف" if False else tenants.agent_a.user.full_name: 100.0, "supervisor الف": 0.0}
    assert {row.label: row.responses for row in report.by_team} == {"فروش": 2, "پشتیبانی": 2}
    assert report.total.value == 50.0 and report.total.mean == 3.0


def test_a_segment_narrows_every_figure(tenants, shop):
    email_only = period(segment=Segment("channel", "email"))
    team = period(segment=Segment("team", str(shop["care"].pk)))
    with time_machine.travel(NOW, tick=False):
        for rolled in (False, True):
            if rolled:
                rollups.workspace_rollup(workspace_id=tenants.ws_a.pk)
            by_email = kind_report(workspace=tenants.ws_a, kind="nps", filters=email_only)
            by_team = kind_report(workspace=tenants.ws_a, kind="nps", filters=team)
            assert by_email.total.responses == 2 and by_email.total.value == -100.0
            assert by_team.total.responses == 3
            assert by_email.by_agent == []  # a segment and a breakdown by another dimension do not combine


def test_response_rates_by_month_sent_and_channel(tenants, shop):
    with time_machine.travel(NOW, tick=False):
        live = rates_report(workspace=tenants.ws_a, filters=period())
        rollups.workspace_rollup(workspace_id=tenants.ws_a.pk)
        rolled = rates_report(workspace=tenants.ws_a, filters=period())
    for report in (live, rolled):
        assert (report.total.sent, report.total.answered) == (4, 1)
        assert {r.key: (r.sent, r.answered) for r in report.months}[ABAN] == (4, 1)
        assert [(r.key, r.rate) for r in report.by_channel] == [("sms", 0.25)]


def test_drivers_of_detractors_with_verbatims(tenants, shop):
    with time_machine.travel(NOW, tick=False):
        drivers, low_mentions = drivers_report(workspace=tenants.ws_a, kind="nps", filters=period())
        rollups.workspace_rollup(workspace_id=tenants.ws_a.pk)
        rolled, _n = drivers_report(workspace=tenants.ws_a, kind="nps", filters=period())
    assert low_mentions == 3  # delivery twice, price once, from detractors
    top = drivers[0]
    assert (top.topic, top.low, top.comments, top.negative) == ("delivery", 2, 2, 2)
    assert top.low_share == pytest.approx(2 / 3) and top.lift == pytest.approx((2 / 3) / (2 / 4))
    assert [a.text for a in top.verbatims] == ["گران بود و دیر رسید", "پیک خیلی دیر رسید و غذا سرد بود"]
    assert [(d.topic, d.low, d.comments) for d in drivers] == [(d.topic, d.low, d.comments) for d in rolled]


def test_comments_feed_filters_and_pages(tenants, shop):
    with time_machine.travel(NOW, tick=False):
        negative = comments_page(workspace=tenants.ws_a, filters=period(), sentiment="negative")
        delivery = comments_page(
            workspace=tenants.ws_a, filters=period(), topic="delivery", group="detractor"
        )
        first = comments_page(workspace=tenants.ws_a, filters=period(), limit=2)
        second = comments_page(workspace=tenants.ws_a, filters=period(), limit=2, cursor=first.next_cursor)
    assert {a.text for a in negative.rows} == {"گران بود و دیر رسید", "پیک خیلی دیر رسید و غذا سرد بود"}
    assert len(delivery.rows) == 2
    assert len(first.rows) == 2 and first.next_cursor
    assert not {a.pk for a in first.rows} & {a.pk for a in second.rows}
    assert len(first.rows) + len(second.rows) == 4 and second.next_cursor is None


def test_drill_down_lists_exactly_the_responses_behind_a_figure(tenants, shop):
    with time_machine.travel(NOW, tick=False):
        page = responses_page(
            workspace=tenants.ws_a, filters=period(ABAN, ABAN), kind="nps", group="detractor"
        )
    assert sorted(r.score for r in page.rows) == [2, 5]
    assert [c.text for r in page.rows for c in r.comments] == ["گران بود و دیر رسید"]


def test_report_pages_for_each_role_and_outsider(client, tenants, shop):
    pages = [url("reports"), *[url("report", tab) for tab in ("csat", "ces", "rates", "drivers")],
             url("report_comments"), url("report_responses")]  # fmt: skip
    with time_machine.travel(NOW, tick=True):
        login(client, tenants.by_role["analyst"])
        for page in pages:
            assert client.get(page).status_code == 200, page
        login(client, tenants.agent_a)  # agents do not read reports
        assert all(client.get(page).status_code == 403 for page in pages)
        login(client, tenants.outsider_b)
        assert all(client.get(page).status_code == 404 for page in pages)
        login(client, tenants.owner_a)
        assert client.get(url("report", "nope")).status_code == 404


def test_the_nps_page_draws_the_chart_right_to_left_and_links_every_number(client, tenants, shop):
    login(client, tenants.owner_a)
    with time_machine.travel(NOW, tick=True):
        page = client.get(url("reports"), {"start": "۱۴۰۵۰۷", "end": "140509"})  # Persian digits accepted
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="report-chart"' in html and "<svg" in html and "<title" in html
    points = page.context["chart"].split('class="chart-point" cx="')[1:]
    xs = [float(p.split('"')[0]) for p in points]
    assert xs == sorted(xs, reverse=True)  # Mehr (the first month) at the right edge in Persian
    values = html.split('data-testid="month-value">')[1:]
    cells = [cell.split(" <span")[0].split("</td>")[0] for cell in values]
    assert cells[:2] == ['<bdi dir="ltr">۴۰</bdi>', '<bdi dir="ltr">-۳۳.۳</bdi>']  # the minus stays before it
    month_links = [url for _row, url in page.context["months"]]
    assert (
        "start=140508" in month_links[1] and "end=140508" in month_links[1] and "kind=nps" in month_links[1]
    )
    drilled = client.get(month_links[1])
    assert len(drilled.context["page"].rows) == 3


def test_bad_filters_are_named_and_the_report_still_answers(client, tenants, shop):
    login(client, tenants.owner_a)
    with time_machine.travel(NOW, tick=True):
        bad = client.get(
            url("reports"), {"start": "abc", "end": "140509", "segment": "team:x", "survey": "zz"}
        )
        backwards = client.get(url("reports"), {"start": "140509", "end": "140501"})
        user = tenants.owner_a.user
        user.language = "en"
        user.save(update_fields=["language"])
        english = client.get(url("reports"), {"start": "140509", "end": "140501"})
    assert bad.status_code == 200 and "start" in bad.context["form"].errors
    assert "survey" in bad.context["form"].errors and "segment" in bad.context["form"].errors
    assert backwards.status_code == 200 and "end" in backwards.context["form"].errors
    assert "ماه آخر باید" in backwards.content.decode()
    assert "The last month must come after the first." in english.content.decode()


def test_comments_are_escaped_on_the_feed(client, tenants, shop):
    login(client, tenants.owner_a)
    with time_machine.travel(NOW, tick=True):
        html = client.get(url("report_comments")).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_exports_of_the_table_and_of_the_responses(client, tenants, shop):
    with time_machine.travel(NOW, tick=True):
        login(client, tenants.by_role["marketer"])  # reports, but no data export
        table = client.get(url("report_download"), {"what": "months", "tab": "nps", "format": "csv",
                                                    "start": MEHR, "end": AZAR})  # fmt: skip
        refused = client.get(url("report_download"), {"what": "responses", "format": "csv"})
        login(client, tenants.by_role["analyst"])
        wanted = {"what": "responses", "kind": "nps", "group": "detractor", "format": "xlsx"}
        sheet = client.get(url("report_download"), {**wanted, "start": MEHR, "end": AZAR})
    rows = list(csv.reader(io.StringIO(b"".join(table.streaming_content).decode("utf-8-sig"))))
    assert [row[0].split()[0] for row in rows[1:]] == ["مهر", "آبان", "آذر"]
    assert rows[1][1] == "5" and rows[1][5] == "40.0"
    assert refused.status_code == 403
    workbook = load_workbook(io.BytesIO(b"".join(sheet.streaming_content)))
    values = list(workbook.active.iter_rows(values_only=True))
    assert len(values) == 1 + 3 and {row[2] for row in values[1:]} == {3, 2, 5}
    assert (
        AuditEntry.objects.filter(
            workspace=tenants.ws_a, action="export", object_type="surveys.response"
        ).count()
        == 1
    )


def test_the_periodic_task_rolls_up_every_workspace_with_surveys(tenants, shop):
    from mehvar.surveys.tasks import survey_rollups_task

    with time_machine.travel(NOW, tick=False):
        assert survey_rollups_task.call() == 3 + 3  # Mehr, Aban and Azar (so far) in A and in B
    assert SurveySettings.objects.get(workspace=tenants.ws_b).rolled_month == AZAR
    assert ScoreMonth.objects.filter(workspace=tenants.ws_b, month=MEHR, dimension="all").get().responses == 3


def test_enps_answers_never_reach_the_reports(client, tenants, shop):
    with time_machine.travel(NOW, tick=False):
        enps = authoring.survey_create(acting=tenants.owner_a, kind="enps", title_fa="حال", trigger="manual")
        respond(enps, 2, tehran(2026, 10, 7), team=shop["care"])
        rollups.workspace_rollup(workspace_id=tenants.ws_a.pk)
    assert not ScoreMonth.objects.filter(survey=enps).exists()
    login(client, tenants.owner_a)
    with time_machine.travel(NOW, tick=True):
        edit = client.get(url("edit", enps.pk)).content.decode()
        drilled = client.get(url("report_responses"), {"survey": enps.pk, "start": MEHR, "end": AZAR})
    assert 'data-testid="pulse-link"' in edit and 'data-testid="survey-figures"' not in edit
    assert enps.pk not in {r.survey_id for r in drilled.context["page"].rows}


def test_the_api_never_lists_enps_answers_one_by_one(client, tenants, shop):
    with time_machine.travel(NOW, tick=False):
        enps = authoring.survey_create(acting=tenants.owner_a, kind="enps", title_fa="حال", trigger="manual")
        respond(enps, 9, tehran(2026, 10, 7), team=shop["sales"])
    path = f"/api/v1/surveys/{enps.pk}/responses"
    assert client.get(path, **tenants.bearer("owner")).status_code == 403
    customers = f"/api/v1/surveys/{shop['nps'].pk}/responses"
    assert client.get(customers, **tenants.bearer("owner")).status_code == 200


def test_erasing_a_customer_blanks_their_comments_and_keeps_the_scores(tenants, shop):
    from mehvar.customers.privacy import customer_erase
    from mehvar.surveys.models import Answer

    person = Response.objects.filter(workspace=tenants.ws_a).exclude(customer=None).first().customer
    with time_machine.travel(NOW, tick=False):
        before = kind_report(workspace=tenants.ws_a, kind="nps", filters=period()).total
        customer_erase(acting=tenants.owner_a, customer=person)
        after = kind_report(workspace=tenants.ws_a, kind="nps", filters=period()).total
    texts = Answer.objects.filter(response__customer=person).exclude(value__isnull=False)
    assert texts.exists() and set(texts.values_list("text", flat=True)) == {""}
    assert (before.responses, before.value) == (after.responses, after.value)
    assert Answer.objects.filter(text="پیک خیلی دیر رسید و غذا سرد بود").count() == 0
    assert Answer.objects.filter(text="عالی بود").count() == 1  # another person's comment stays


def test_what_comes_after_the_watermark_is_read_live_and_counted_once(tenants, shop):
    with time_machine.travel(NOW, tick=False):
        rollups.workspace_rollup(workspace_id=tenants.ws_a.pk)
    later = NOW + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        respond(shop["nps"], 0, later, agent=shop["poor"], team=shop["care"])
        azar = by_month(kind_report(workspace=tenants.ws_a, kind="nps", filters=period()))[AZAR]
        assert azar.groups == {"detractor": 1, "passive": 0, "promoter": 2}  # 2 rolled up + 1 after
        rollups.workspace_rollup(workspace_id=tenants.ws_a.pk)  # the next run moves the watermark
        again = by_month(kind_report(workspace=tenants.ws_a, kind="nps", filters=period()))[AZAR]
    assert again.groups == azar.groups
    assert SurveySettings.objects.get(workspace=tenants.ws_a).rolled_at == later


def test_a_topic_is_found_chunk_by_chunk_and_pages_never_repeat(tenants, shop, monkeypatch):
    from mehvar.surveys.reports import selectors

    monkeypatch.setattr(selectors, "TOPIC_CHUNK", 1)  # one comment read at a time
    monkeypatch.setattr(selectors, "TOPIC_CHUNKS", 2)  # and two at most per page
    seen, cursor, pages = [], "", 0
    with time_machine.travel(NOW, tick=False):
        while True:
            page = comments_page(workspace=tenants.ws_a, filters=period(), topic="delivery", limit=1,
                                 cursor=cursor)  # fmt: skip
            seen += [a.text for a in page.rows]
            pages += 1
            if not page.next_cursor:
                break
            cursor = page.next_cursor
    assert seen == ["گران بود و دیر رسید", "پیک خیلی دیر رسید و غذا سرد بود"]
    assert pages > 2  # some pages came back short after two chunks, and the next one went on
