"""eNPS pulses: sending a round by e-mail, answering once and anonymously from the link, the member's pages,
and the results with the minimum group size (including the subtraction guard) for owners and admins only."""

import datetime as dt
import re
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from mehvar.conversations.models import Team
from mehvar.core.models import AuditEntry
from mehvar.surveys import authoring, pulses
from mehvar.surveys.models import Answer, PulseInvitation, PulseResponse, Response
from mehvar.surveys.tests.support import nps_survey, questions
from mehvar.testing import login, make_member

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def enps_survey(acting):
    return authoring.survey_create(
        acting=acting, kind="enps", title_fa="حال‌وهوای کار", title_en="How work feels", trigger="manual"
    )


def team_of(workspace, name, size, *, prefix):
    """A team with ``size`` new members (agents)."""
    team = Team.objects.create(workspace=workspace, name=name)
    for n in range(size):
        team.members.add(
            make_member(
                workspace=workspace, email=f"{prefix}{n}@a.test", role="agent", full_name=f"{prefix} {n}"
            )
        )
    return team


def keys(survey, team=None, round_number=None):
    rows = PulseInvitation.objects.filter(survey=survey).order_by("pk")
    if team is not None:
        rows = rows.filter(team=team)
    if round_number is not None:
        rows = rows.filter(round=round_number)
    return [pulses.pulse_key(p) for p in rows]


def answer(key, score, more=None):
    survey_questions = questions(PulseInvitation.objects.get(token=key.split(".", 1)[1]).survey)
    data = {survey_questions[0].pk: score, **(more or {})}
    return pulses.pulse_answer(key=key, answers=data)


def fa(msgid, **values):
    """What a (block)translated string reads in Persian, with or without the catalogue compiled."""
    with translation.override("fa"):
        return gettext(msgid) % values if values else gettext(msgid)


def results_url(survey, slug="shop-a"):
    return reverse("surveys:pulse", args=[slug, survey.pk])


def page_url(key):
    return reverse("survey_public:pulse", args=[key])


@pytest.fixture
def staff(tenants):
    """A (6 members), B (5), C (2) on top of the six role members of shop A (who have no team)."""
    return {
        "A": team_of(tenants.ws_a, "پشتیبانی", 6, prefix="support"),
        "B": team_of(tenants.ws_a, "فروش", 5, prefix="sales"),
        "C": team_of(tenants.ws_a, "انبار", 2, prefix="store"),
    }


# --- Sending ----------------------------------------------------------------------------------------------


def test_a_round_goes_by_email_to_every_active_member_with_their_team(
    tenants, staff, django_capture_on_commit_callbacks
):
    survey = enps_survey(tenants.owner_a)
    gone = make_member(workspace=tenants.ws_a, email="gone@a.test", role="agent")
    gone.user.is_active = False
    gone.user.save()
    both = make_member(workspace=tenants.ws_a, email="both@a.test", role="agent")
    staff["B"].members.add(both)
    staff["A"].members.add(both)  # in two teams: counts in the oldest (A)
    with django_capture_on_commit_callbacks(execute=True):
        sent = pulses.pulse_send(survey=survey, by=tenants.owner_a, expected_round=1)

    assert sent.number == 1 and sent.sent == 6 + 6 + 5 + 2 + 1
    rows = PulseInvitation.objects.filter(survey=survey)
    assert rows.count() == sent.sent and not rows.filter(membership=gone).exists()
    assert rows.get(membership=both).team == staff["A"]
    assert rows.get(membership=tenants.owner_a).team is None
    assert {p.team_id for p in rows.filter(membership__in=staff["C"].members.all())} == {staff["C"].pk}
    assert all(p.sent_at and p.expires_at > timezone.now() + dt.timedelta(days=13) for p in rows)

    assert len(mail.outbox) == sent.sent
    message = next(m for m in mail.outbox if m.to == ["owner@a.test"])
    link = re.search(r"https?://\S+", message.body).group(0)
    assert link.startswith("https://mehvar.test/s/p/")
    key = link.rstrip("/").rsplit("/", 1)[1]
    assert pulses.pulse_by_key(key).membership_id == tenants.owner_a.pk
    anonymous = (
        "Your answer is anonymous: it is stored without your name, and results are shown only for groups in "
        "which at least %(min)s people answered."
    )
    assert fa(anonymous, min="۵") in message.body  # the minimum group, in Persian digits
    assert "فروشگاه الف" in message.subject

    entry = AuditEntry.objects.get(
        workspace=tenants.ws_a, object_type="surveys.survey", action="create", after__pulse_round=1
    )
    assert entry.after["sent"] == sent.sent and entry.actor == tenants.owner_a.user


def test_chosen_teams_a_second_round_and_the_double_click(tenants, staff, django_capture_on_commit_callbacks):
    survey = enps_survey(tenants.owner_a)
    first = pulses.pulse_send(survey=survey, by=tenants.owner_a, teams=[staff["A"].pk, staff["C"].pk])
    assert first.sent == 8
    assert set(PulseInvitation.objects.values_list("team_id", flat=True)) == {staff["A"].pk, staff["C"].pk}
    old_key = keys(survey)[0]

    # The same form clicked twice: the second finds round 1 sent.
    with pytest.raises(ValidationError) as refused:
        pulses.pulse_send(survey=survey, by=tenants.owner_a, expected_round=1)
    assert "round" in refused.value.message_dict
    assert PulseInvitation.objects.count() == 8

    with django_capture_on_commit_callbacks(execute=True):
        second = pulses.pulse_send(survey=survey, by=tenants.by_role["admin"], expected_round=2)
    assert second.number == 2 and second.sent == 19
    # The first round's unused links closed.
    assert answer(old_key, 8).status == "expired"
    assert not Response.objects.exists()


def test_sending_is_refused_with_the_field_named(tenants, staff):
    survey = enps_survey(tenants.owner_a)
    with pytest.raises(ValidationError) as few:
        pulses.pulse_send(survey=survey, by=tenants.owner_a, teams=[staff["C"].pk])  # two people
    assert "teams" in few.value.message_dict and "2" in few.value.message_dict["teams"][0]
    other = Team.objects.create(workspace=tenants.ws_b, name="دیگری")
    with pytest.raises(ValidationError) as foreign:
        pulses.pulse_send(survey=survey, by=tenants.owner_a, teams=[staff["A"].pk, other.pk])
    assert "teams" in foreign.value.message_dict
    nps = nps_survey(tenants.owner_a, trigger="manual")
    with pytest.raises(ValidationError) as kind:
        pulses.pulse_send(survey=nps, by=tenants.owner_a)
    assert "survey" in kind.value.message_dict
    for role in ("supervisor", "agent", "marketer", "analyst"):
        with pytest.raises(PermissionDenied):
            pulses.pulse_send(survey=survey, by=tenants.by_role[role])
    with pytest.raises(PermissionDenied):
        pulses.pulse_send(survey=survey, by=tenants.outsider_b)
    assert not PulseInvitation.objects.exists()


# --- Answering --------------------------------------------------------------------------------------------


def test_an_answer_is_stored_once_and_names_nobody(tenants, staff):
    survey = enps_survey(tenants.owner_a)
    pulses.pulse_send(survey=survey, by=tenants.owner_a)
    key = keys(survey, team=staff["A"])[0]
    low, _high = questions(survey)[1:3]

    outcome = answer(key, "۳", {low.pk: "مدیرمان به حرف ما گوش نمی‌دهد."})  # Persian digits
    assert outcome.status == "stored"
    response = Response.objects.get(survey=survey)
    assert response.score == 3 and response.team == staff["A"]
    assert response.customer_id is None and response.agent_id is None and response.invitation_id is None
    midnight = timezone.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert response.created_at == midnight and response.submitted_at == midnight
    assert PulseResponse.objects.get(response=response).round == 1
    answers = Answer.objects.filter(response=response)
    assert answers.count() == 2 and {a.created_at for a in answers} == {midnight}
    pulse = PulseInvitation.objects.get(token=key.split(".", 1)[1])
    assert pulse.answered_at == midnight

    # The same link again (a double submit, or a second try): nothing more is stored.
    assert answer(key, 10).status == "duplicate"
    assert Response.objects.count() == 1 and Answer.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_three_submissions_at_once_store_one_answer(tenants, staff):
    """Real threads on PostgreSQL (the conditional UPDATE decides); SQLite runs them one after the other."""
    survey = enps_survey(tenants.owner_a)
    pulses.pulse_send(survey=survey, by=tenants.owner_a)
    key = keys(survey)[0]
    main = questions(survey)[0]

    def submit():
        return pulses.pulse_answer(key=key, answers={main.pk: "9"})

    calls = [submit, submit, submit]
    if connection.vendor != "postgresql":
        outcomes = [call() for call in calls]
    else:
        barrier, outcomes = threading.Barrier(len(calls)), [None] * len(calls)

        def run(index, call):
            try:
                barrier.wait()
                outcomes[index] = call()
            except Exception as error:  # shown by the assertion below
                outcomes[index] = error
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert sorted(getattr(o, "status", repr(o)) for o in outcomes) == ["duplicate", "duplicate", "stored"]
    assert Response.objects.filter(survey=survey).count() == 1 and PulseResponse.objects.count() == 1


def test_answers_are_checked_with_the_question_named(tenants, staff):
    survey = enps_survey(tenants.owner_a)
    pulses.pulse_send(survey=survey, by=tenants.owner_a)
    key = keys(survey)[0]
    main = questions(survey)[0]
    for bad in ("11", "ده", ""):
        with pytest.raises(ValidationError) as error:
            answer(key, bad)
        assert f"q{main.pk}" in error.value.message_dict
    # A follow-up that applies but was not shown (no JavaScript): nothing stored, the page asks it first.
    assert pulses.pulse_answer(key=key, answers={main.pk: "2"}, shown={main.pk}).status == "more"
    assert not Response.objects.exists()
    assert PulseInvitation.objects.filter(answered_at__isnull=False).count() == 0
    assert pulses.pulse_answer(key="zz.nothing", answers={}).status == "unknown"


# --- The member's page ------------------------------------------------------------------------------------


def test_the_page_is_persian_rtl_says_it_is_anonymous_and_takes_persian_digits(client, tenants, staff):
    survey = enps_survey(tenants.owner_a)
    pulses.pulse_send(survey=survey, by=tenants.owner_a)
    key = keys(survey, team=staff["B"])[0]
    main, low, _high = questions(survey)

    page = client.get(page_url(key))
    html = page.content.decode()
    assert page.status_code == 200 and page["X-Robots-Tag"] == "noindex"
    assert 'dir="rtl"' in html and 'lang="fa"' in html
    assert fa("Your answer is anonymous.") in html
    shown_only = (
        "It is stored without your name, and nobody sees who answered. Results are shown only for groups in "
        "which at least %(min)s people answered."
    )
    assert fa(shown_only, min="۵") in html
    assert 'data-testid="pulse-team"' in html and "فروش" in html
    assert "<span>۰</span>" in html and "<span>۱۰</span>" in html
    follow = reverse("survey_public:pulse_follow_ups", args=[key, main.pk])
    assert f'hx-get="{follow}"' in html
    assert "survey_public:follow_ups" not in html and f"/s/{key}/follow-ups/" not in html

    # HTMX: a low score brings "what went wrong?".
    fragment = client.get(follow, {f"q{main.pk}": "۲"}, **HX).content.decode()
    assert f'name="q{low.pk}"' in fragment

    # Without JavaScript: the score alone asks the follow-up first, then stores.
    more = client.post(page_url(key), {f"q{main.pk}": "۲", "shown": [main.pk]})
    assert more.status_code == 200 and 'data-testid="notice-more"' in more.content.decode()
    assert not Response.objects.exists()
    done = client.post(
        page_url(key), {f"q{main.pk}": "۲", f"q{low.pk}": "بار کاری زیاد است", "shown": [main.pk, low.pk]}
    )
    assert done.status_code == 302 and done["Location"].startswith(f"/s/p/{key}/thanks/")
    assert Response.objects.get().score == 2
    assert fa("Your answer was recorded anonymously.") in client.get(done["Location"]).content.decode()

    # A double submit: sent again, stored once, the thanks page says it was recorded already.
    again = client.post(page_url(key), {f"q{main.pk}": "9", "shown": [main.pk]})
    assert again.status_code == 302 and "again=1" in again["Location"]
    assert Response.objects.count() == 1
    # Opening the used link: 410, said plainly.
    used = client.get(page_url(key))
    assert used.status_code == 410 and 'data-kind="used"' in used.content.decode()


def test_bad_score_unknown_and_expired_links_get_clear_pages(client, tenants, staff):
    survey = enps_survey(tenants.owner_a)
    pulses.pulse_send(survey=survey, by=tenants.owner_a)
    key = keys(survey)[0]
    main = questions(survey)[0]
    bad = client.post(page_url(key), {f"q{main.pk}": "۱۲", "shown": [main.pk]})
    assert bad.status_code == 422 and 'data-testid="survey-errors"' in bad.content.decode()
    for unknown in ("nothing", "1.nothing", "zz%20z.x", key + "x", "a" * 40 + ".b"):
        page = client.get(f"/s/p/{unknown}/")
        assert page.status_code == 404, unknown
        assert 'data-kind="unknown"' in page.content.decode()
    assert client.get(f"/s/p/{key}x/follow-ups/{main.pk}/").status_code == 404
    assert client.get(f"/s/p/{key}x/thanks/").status_code == 404

    PulseInvitation.objects.filter(token=key.split(".", 1)[1]).update(expires_at=timezone.now())
    expired = client.get(page_url(key))
    assert expired.status_code == 410 and 'data-kind="expired"' in expired.content.decode()
    late = client.post(page_url(key), {f"q{main.pk}": "9", "shown": [main.pk]})
    assert late.status_code == 410 and not Response.objects.exists()
    assert client.get(f"/s/p/{key}/follow-ups/{main.pk}/").status_code == 410


# --- Results and the minimum group ------------------------------------------------------------------------


def test_hidden_groups_rules():
    # Every group big enough: nothing hidden.
    assert pulses.hidden_groups({"A": 6, "B": 5}, minimum=5) == {}
    # The whole below the minimum: everything hidden.
    assert pulses.hidden_groups({"A": 3, "B": 1}, minimum=5) == {"A": "few", "B": "few"}
    # Subtraction: C alone hidden would be overall − A − B, so the smallest shown group (A) is hidden too.
    assert pulses.hidden_groups({"A": 6, "B": 7, "C": 2}, minimum=5) == {"C": "few", "A": "guard"}
    # A group with no answers at all is hidden, and guarded the same way (its silence is not shown either).
    assert pulses.hidden_groups({"A": 6, "B": 7, "C": 0}, minimum=5) == {"C": "few", "A": "guard"}
    # Two small groups that together reach the minimum need no guard.
    assert pulses.hidden_groups({"A": 6, "B": 3, "C": 2}, minimum=5) == {"B": "few", "C": "few"}
    # More guards when one is not enough.
    assert pulses.hidden_groups({"A": 2, "B": 1, "C": 1, "D": 9}, minimum=5) == {
        "A": "few",
        "B": "few",
        "C": "few",
        "D": "guard",
    }


def test_results_hide_small_groups_and_guard_the_subtraction(client, tenants, staff):
    survey = enps_survey(tenants.owner_a)
    pulses.pulse_send(survey=survey, by=tenants.owner_a)
    comment_q = questions(survey)[2]  # "what did you like?" for 7 or more
    for n, key in enumerate(keys(survey, team=staff["A"])):
        answer(key, 10 if n < 4 else 4)  # A: 4 promoters, 2 detractors → eNPS 33
    for key in keys(survey, team=staff["B"]):
        answer(key, 9, {comment_q.pk: "همکاران خوبی دارم"})  # B: 5 promoters → 100
    for key in keys(survey, team=staff["C"]):
        answer(key, 0)  # C: 2 detractors

    pulses.pulse_close(survey=survey, by=tenants.owner_a)
    results = pulses.pulse_results(survey=survey)
    groups = {g.key: g for g in results.teams}
    a, b, c = (f"team-{staff[name].pk}" for name in "ABC")
    assert results.overall.shown and results.overall.answered == 13 and results.overall.sent == 19
    assert results.overall.enps == round((9 - 4) * 100 / 13)
    assert groups[a].shown and groups[a].enps == 33 and groups[a].rate == 100
    assert (groups[a].promoters, groups[a].passives, groups[a].detractors) == (4, 0, 2)
    # C has 2 answers: hidden. Were it the only one hidden, C = overall − A − B; so the smallest group shown
    # (B, 5 answers) is hidden too, and the hidden groups together hold 7 answers.
    assert groups[c].hidden == "few" and groups[b].hidden == "guard"
    # The role members (no team) were asked but did not answer: a hidden group of their own.
    assert groups["none"].hidden == "few" and groups["none"].sent == 6
    for hidden in (groups[c], groups[b], groups["none"]):
        assert hidden.answered is None and hidden.enps is None and hidden.promoters is None
        assert hidden.detractors is None and hidden.rate is None and hidden.shares is None
    assert [c.texts for c in results.comments] == [["همکاران خوبی دارم"] * 5]

    login(client, tenants.owner_a)
    html = client.get(results_url(survey)).content.decode()
    assert 'data-hidden="few"' in html and 'data-hidden="guard"' in html
    for person in [*staff["A"].members.all(), *staff["B"].members.all()]:  # nothing names who answered
        assert person.user.email not in html and person.user.full_name not in html


def test_below_the_minimum_nothing_is_shown_but_the_count(client, tenants, staff):
    survey = enps_survey(tenants.owner_a)
    pulses.pulse_send(survey=survey, by=tenants.owner_a)
    comment_q = questions(survey)[1]
    for key in keys(survey, team=staff["A"])[:2]:
        answer(key, 1, {comment_q.pk: "حقوق دیر می‌رسد"})
    pulses.pulse_close(survey=survey, by=tenants.owner_a)
    results = pulses.pulse_results(survey=survey)
    assert results.overall.hidden == "few" and results.overall.enps is None and results.overall.answered == 2
    assert all(g.hidden == "few" for g in results.teams) and results.comments == []
    login(client, tenants.owner_a)
    html = client.get(results_url(survey)).content.decode()
    assert 'data-testid="pulse-overall-hidden"' in html and "حقوق دیر می‌رسد" not in html


def test_rounds_are_read_apart(client, tenants, staff):
    survey = enps_survey(tenants.owner_a)
    pulses.pulse_send(survey=survey, by=tenants.owner_a)
    for key in keys(survey, round_number=1)[:5]:
        answer(key, 10)
    pulses.pulse_send(survey=survey, by=tenants.owner_a)
    for key in keys(survey, round_number=2)[:5]:
        answer(key, 0)
    pulses.pulse_close(survey=survey, by=tenants.owner_a)  # sending round 2 closed round 1
    assert pulses.pulse_results(survey=survey).overall.enps == -100
    assert pulses.pulse_results(survey=survey, round_number=1).overall.enps == 100
    login(client, tenants.owner_a)
    page = client.get(results_url(survey), {"round": "۱"})
    assert page.status_code == 200 and 'data-testid="pulse-enps">۱۰۰<' in page.content.decode()


def test_the_results_page_reads_a_fixed_number_of_rows(client, tenants, staff):
    survey = enps_survey(tenants.owner_a)
    pulses.pulse_send(survey=survey, by=tenants.owner_a)
    for key in keys(survey)[:6]:
        answer(key, 8)
    pulses.pulse_close(survey=survey, by=tenants.owner_a)
    login(client, tenants.owner_a)
    with CaptureQueriesContext(connection) as few_teams:
        assert client.get(results_url(survey)).status_code == 200
    for n in range(4):
        team_of(tenants.ws_a, f"تیم {n}", 1, prefix=f"t{n}-")
    pulses.pulse_send(survey=survey, by=tenants.owner_a)
    for key in keys(survey, round_number=2):
        answer(key, 9)
    pulses.pulse_close(survey=survey, by=tenants.owner_a)
    with CaptureQueriesContext(connection) as more_teams:
        assert client.get(results_url(survey)).status_code == 200
    assert len(more_teams) == len(few_teams)


def test_an_open_round_shows_how_many_answered_and_nothing_they_answered(client, tenants, staff):
    """Reloading the page before and after a colleague answers must not give their score away: until the
    round closes (links expire, the next round, or "close" on the page) only the count shows."""
    survey = enps_survey(tenants.owner_a)
    pulses.pulse_send(survey=survey, by=tenants.owner_a)
    comment_q = questions(survey)[2]
    for key in keys(survey, team=staff["A"]):
        answer(key, 10, {comment_q.pk: "فضای کار خوب است"})
    results = pulses.pulse_results(survey=survey)
    assert results.round.open and results.overall.hidden == "open" and results.overall.answered == 6
    assert results.overall.enps is None and results.comments == []
    assert {g.hidden for g in results.teams} == {"open"}
    assert all(g.answered is None and g.enps is None for g in results.teams)
    login(client, tenants.owner_a)
    html = client.get(results_url(survey)).content.decode()
    assert 'data-hidden="open"' in html and "فضای کار خوب است" not in html
    assert 'data-testid="pulse-close-button"' in html

    close = reverse("surveys:pulse_close", args=["shop-a", survey.pk])
    for role in ("supervisor", "agent", "analyst"):
        login(client, tenants.by_role[role])
        assert client.post(close, **HX).status_code == 403, role
    login(client, tenants.outsider_b)
    assert client.post(close, **HX).status_code == 404
    assert pulses.pulse_results(survey=survey).round.open

    login(client, tenants.owner_a)
    closed = client.post(close, **HX).content.decode()
    assert 'data-testid="pulse-closed"' in closed and 'data-testid="pulse-enps">۱۰۰<' in closed
    assert "فضای کار خوب است" in closed and 'data-testid="pulse-close-button"' not in closed
    unused = keys(survey, team=staff["B"])[0]
    assert answer(unused, 9).status == "expired"
    entry = AuditEntry.objects.filter(object_id=str(survey.pk)).latest("pk")
    assert entry.after["closed"] is True and entry.after["unused_links"] == 13
    again = client.post(close, **HX).content.decode()  # nothing open any more: said on the page
    assert 'data-testid="pulse-error"' in again
    with pytest.raises(ValidationError) as refused:
        pulses.pulse_close(survey=survey, by=tenants.owner_a)
    assert "round" in refused.value.message_dict


# --- Who may see and send ---------------------------------------------------------------------------------


def test_only_owners_and_admins_see_results_and_send(client, tenants, staff):
    survey = enps_survey(tenants.owner_a)
    send = reverse("surveys:pulse_send", args=["shop-a", survey.pk])
    for role in ("owner", "admin"):
        login(client, tenants.by_role[role])
        assert client.get(results_url(survey)).status_code == 200
    for role in ("supervisor", "agent", "marketer", "analyst"):
        login(client, tenants.by_role[role])
        assert client.get(results_url(survey)).status_code == 403, role
        assert client.post(send, {"round": "1"}).status_code == 403, role
    assert not PulseInvitation.objects.exists()

    login(client, tenants.outsider_b)
    assert client.get(results_url(survey)).status_code == 404
    assert client.get(results_url(survey, slug="shop-b")).status_code == 404
    assert (
        client.post(reverse("surveys:pulse_send", args=["shop-b", survey.pk]), {"round": "1"}).status_code
        == 404
    )
    assert not PulseInvitation.objects.exists()
    # A customer survey has no pulse page.
    login(client, tenants.owner_a)
    assert client.get(results_url(nps_survey(tenants.owner_a, trigger="manual"))).status_code == 404


def test_sending_from_the_page_with_htmx_and_without(
    client, tenants, staff, django_capture_on_commit_callbacks
):
    survey = enps_survey(tenants.owner_a)
    send = reverse("surveys:pulse_send", args=["shop-a", survey.pk])
    login(client, tenants.owner_a)
    assert 'data-testid="pulse-empty"' in client.get(results_url(survey)).content.decode()

    few = client.post(send, {"round": "۱", "teams": [str(staff["C"].pk)]}, **HX)
    assert few.status_code == 200 and 'data-testid="pulse-error"' in few.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(send, {"round": "۱", "teams": [str(staff["A"].pk), str(staff["B"].pk)]}, **HX)
    html = sent.content.decode()
    assert sent.status_code == 200 and 'data-testid="pulse-sent"' in html
    assert 'name="round" value="2"' in html
    assert PulseInvitation.objects.count() == 11 and len(mail.outbox) == 11
    again = client.post(send, {"round": "1"}, **HX)  # the same form sent twice
    assert 'data-testid="pulse-error"' in again.content.decode() and PulseInvitation.objects.count() == 11

    plain = client.post(send, {"round": "2"})
    assert plain.status_code == 302 and plain["Location"] == results_url(survey)
    assert PulseInvitation.objects.filter(round=2).count() == 19
