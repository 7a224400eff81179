"""eNPS pulses for the workspace's own members: sending a round, storing an answer anonymously, and the
results with the minimum group size (docs/enps.md).

* ``pulse_send`` asks every active member (or the members of chosen teams) by e-mail, after commit; each
  gets a ``PulseInvitation`` of the new round with the team their answer counts in. Sending a round closes
  the previous one's unanswered links. Owners and admins only (``Perm.ENPS_RESULTS``); audited.
* ``pulse_answer`` stores the form as a ``Response`` that names nobody: no customer, agent or invitation,
  only the team and the day (midnight UTC, as every anonymous survey). The link is single use: its
  ``answered_at`` is claimed with a conditional UPDATE, so a double submit stores once.
* ``pulse_results`` gives eNPS overall and per team, hiding every group with fewer scored answers than
  ``SurveySettings.enps_min_group``, and more groups when the hidden ones could be worked out by subtraction.
  Nothing derived from the answers shows while the round is open (only how many answered): its links
  expire, the next round is sent, or ``pulse_close`` closes it early.
"""

import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import int_to_base36
from django.utils.translation import gettext as _

from mehvar.core.audit import audit_record
from mehvar.core.jalali import format_date
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.roles import Perm
from mehvar.surveys import comments, links, scales
from mehvar.surveys.authoring import survey_settings
from mehvar.surveys.models import (
    Answer,
    PulseInvitation,
    PulseResponse,
    Question,
    QuestionType,
    Response,
    Survey,
    SurveyKind,
    SurveySettings,
)
from mehvar.surveys.questions import invalid, questions_of, require
from mehvar.surveys.responses import Parsed, answer_parse, applicable
from mehvar.surveys.timing import in_quiet_hours

logger = logging.getLogger(__name__)
A = AuditEntry.Action
REMINDER_SWEEP = 500  # links reminded per workspace and run (the task runs every 15 minutes)


# --- Links ------------------------------------------------------------------------------------------------


def pulse_key(pulse: PulseInvitation) -> str:
    """``<workspace id in base 36>.<token>``, the same shape as a customer's survey key."""
    return f"{int_to_base36(pulse.workspace_id)}{links.KEY_SEP}{pulse.token}"


def pulse_by_key(key: str) -> PulseInvitation | None:
    parsed = links.parse_key(key)
    if parsed is None:
        return None
    workspace_id, token = parsed
    return (
        PulseInvitation.objects.select_related("survey", "workspace", "team")
        .filter(workspace_id=workspace_id, token=token)
        .first()
    )


def pulse_url(pulse: PulseInvitation) -> str:
    return links.absolute(reverse("survey_public:pulse", args=[pulse_key(pulse)]))


def _day(now: dt.datetime) -> dt.datetime:
    """Midnight UTC of ``now``'s day: all an anonymous answer keeps of its time."""
    return now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


# --- Sending a round --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PulseRound:
    number: int
    sent: int
    expires_at: dt.datetime


def pulse_recipients(
    *, survey: Survey, teams: Collection[int] | None = None
) -> list[tuple[Membership, int | None]]:
    """The members a round goes to, each with the team their answer counts in: active users with an e-mail
    address; with ``teams``, only members of those teams. A member of several teams counts in the oldest of
    them (the smallest id) among the teams asked."""
    from mehvar.conversations.models import Team

    rows = Team.members.through.objects.filter(team__workspace_id=survey.workspace_id)
    if teams:
        rows = rows.filter(team_id__in=list(teams))
    team_of: dict[int, int] = {}
    for membership_id, team_id in rows.order_by("team_id").values_list("membership_id", "team_id"):
        team_of.setdefault(membership_id, team_id)
    members = (
        Membership.objects.filter(workspace_id=survey.workspace_id, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("pk")
    )
    if teams:
        members = members.filter(pk__in=list(team_of))
    return [(member, team_of.get(member.pk)) for member in members]


def _teams_checked(survey: Survey, teams: Collection[Any] | None) -> list[int]:
    from mehvar.conversations.models import Team

    if not teams:
        return []
    wanted = {int(t) for t in teams if str(t).isdigit()}
    found = set(
        Team.objects.filter(workspace_id=survey.workspace_id, pk__in=wanted).values_list("pk", flat=True)
    )
    if len(wanted) != len(teams) or found != wanted:
        raise invalid("teams", _("Teams: choose teams of this workspace."))
    return sorted(found)


def pulse_send(
    *,
    survey: Survey,
    by: Membership,
    teams: Collection[Any] | None = None,
    expected_round: int | None = None,
    now: dt.datetime | None = None,
    via: str = "web",
) -> PulseRound:
    """Send a new round of the eNPS survey ``survey`` to the members (of ``teams``, or all), by e-mail after
    commit. ``expected_round`` is the round the form offered: a second click finds it sent and is refused
    (naming ``round``). Fewer recipients than the minimum group size is refused (naming ``teams``)."""
    require(by, Perm.ENPS_RESULTS, survey.workspace_id)
    if survey.kind != SurveyKind.ENPS:
        raise invalid("survey", _("Survey: only eNPS surveys are sent to members as pulses."))
    now = now or timezone.now()
    chosen = _teams_checked(survey, teams)
    config = survey_settings(by.workspace)
    with transaction.atomic():
        Survey.objects.select_for_update().filter(pk=survey.pk, workspace_id=survey.workspace_id).first()
        latest = PulseInvitation.objects.filter(workspace_id=survey.workspace_id, survey=survey).aggregate(
            n=Max("round")
        )["n"]
        number = (latest or 0) + 1
        if expected_round is not None and expected_round != number:
            raise invalid("round", _("Round: round %(n)d was sent already.") % {"n": number - 1}, "sent")
        recipients = pulse_recipients(survey=survey, teams=chosen)
        if len(recipients) < config.enps_min_group:
            raise invalid(
                "teams",
                _(
                    "Teams: %(count)d members with an e-mail address would be asked; a pulse needs at least "
                    "%(min)d so that no answer can be traced to a person."
                )
                % {"count": len(recipients), "min": config.enps_min_group},
                "too_few",
            )
        # One round is open at a time: the previous round closes now (its unused links with it).
        _round_close(survey, now)
        expires_at = now + dt.timedelta(days=config.expiry_days)
        pulses = PulseInvitation.objects.bulk_create(
            [
                PulseInvitation(
                    workspace_id=survey.workspace_id,
                    survey=survey,
                    round=number,
                    membership=member,
                    team_id=team_id,
                    token=links.new_token(),
                    language=member.user.language or settings.LANGUAGE_CODE,
                    created_at=now,
                    sent_at=now,
                    expires_at=expires_at,
                )
                for member, team_id in recipients
            ]
        )
        audit_record(
            workspace=by.workspace,
            actor=by.user,
            action=A.CREATE,
            obj=survey,
            object_label=_("eNPS pulse round %(n)d: %(title)s") % {"n": number, "title": survey.title_fa},
            after={"pulse_round": number, "sent": len(pulses), "teams": chosen},
            via=via,
        )
        mails = [
            (pulse_url(p), member.user.email, p.language, member.user.full_name)
            for p, (member, _t) in zip(pulses, recipients, strict=True)
        ]
        transaction.on_commit(
            partial(_mail, survey=survey, mails=mails, expires_at=expires_at, min_group=config.enps_min_group)
        )
    return PulseRound(number=number, sent=len(pulses), expires_at=expires_at)


def _round_close(survey: Survey, now: dt.datetime) -> int:
    """Close whatever round is open: its unused links stop working and its results can be shown."""
    return PulseInvitation.objects.filter(
        workspace_id=survey.workspace_id, survey=survey, expires_at__gt=now
    ).update(expires_at=now)


def pulse_close(*, survey: Survey, by: Membership, now: dt.datetime | None = None, via: str = "web") -> int:
    """Close the open round before its links expire, so that its results can be read; how many unanswered
    links closed with it. Owners and admins only; audited. Nothing open: refused, naming ``round``."""
    require(by, Perm.ENPS_RESULTS, survey.workspace_id)
    now = now or timezone.now()
    with transaction.atomic():
        Survey.objects.select_for_update().filter(pk=survey.pk, workspace_id=survey.workspace_id).first()
        open_round = PulseInvitation.objects.filter(
            workspace_id=survey.workspace_id, survey=survey, expires_at__gt=now
        ).aggregate(n=Max("round"), unused=Count("pk", filter=Q(answered_at__isnull=True)))
        if open_round["n"] is None:
            raise invalid("round", _("Round: no round is open."), "closed")
        _round_close(survey, now)
        audit_record(
            workspace=by.workspace,
            actor=by.user,
            action=A.UPDATE,
            obj=survey,
            object_label=_("eNPS pulse round %(n)d: %(title)s")
            % {"n": open_round["n"], "title": survey.title_fa},
            after={"pulse_round": open_round["n"], "closed": True, "unused_links": open_round["unused"]},
            via=via,
        )
    return open_round["unused"]


def pulse_reminders_due(*, now: dt.datetime | None = None) -> int:
    """The one reminder of an open round: to each member who has not answered ``reminder_after_days`` (the
    workspace's survey setting; 0: never) after the round was sent, outside quiet hours, by e-mail after
    commit. Each link is claimed first (``reminded_at``, a conditional UPDATE), so a second worker or a
    re-run never reminds anyone twice. Who answered is known only as "this link was used", as for the
    round's response rate; the reminder reveals nothing of any answer. Returns how many were reminded."""
    now = now or timezone.now()
    reminded = 0
    configs = SurveySettings.objects.select_related("workspace").filter(reminder_after_days__gt=0)
    for config in configs.order_by("workspace_id"):
        if in_quiet_hours(now, start=config.quiet_start, end=config.quiet_end):
            continue
        due = PulseInvitation.objects.filter(
            workspace_id=config.workspace_id,
            reminded_at__isnull=True,
            answered_at__isnull=True,
            sent_at__lte=now - dt.timedelta(days=config.reminder_after_days),
            expires_at__gt=now,
        ).select_related("survey__workspace", "membership__user")
        by_survey: dict[int, list[PulseInvitation]] = {}
        with transaction.atomic():
            for pulse in due.order_by("pk")[:REMINDER_SWEEP]:
                claimed = PulseInvitation.objects.filter(
                    pk=pulse.pk, workspace_id=pulse.workspace_id, reminded_at__isnull=True
                ).update(reminded_at=now)
                if claimed and pulse.membership.user.is_active and pulse.membership.user.email:
                    by_survey.setdefault(pulse.survey_id, []).append(pulse)
            for pulses in by_survey.values():
                mails = [
                    (pulse_url(p), p.membership.user.email, p.language, p.membership.user.full_name)
                    for p in pulses
                ]
                transaction.on_commit(
                    partial(
                        _mail,
                        survey=pulses[0].survey,
                        mails=mails,
                        expires_at=pulses[0].expires_at,
                        min_group=config.enps_min_group,
                        reminder=True,
                    )
                )
                reminded += len(pulses)
    return reminded


def _mail(
    *,
    survey: Survey,
    mails: list[tuple[str, str, str, str]],
    expires_at: dt.datetime,
    min_group: int,
    reminder: bool = False,
) -> None:
    """One e-mail per member, in their language, over one connection; a failed address does not stop the
    others. ``reminder``: the round's one reminder (the same link, and a line saying so)."""
    messages = []
    for link, email, language, name in mails:
        with translation.override(language):
            context = {
                "name": name,
                "workspace": survey.workspace.name,
                "title": survey.title(language),
                "link": link,
                "min_group": min_group,
                "until": format_date(expires_at, style="long"),
                "reminder": reminder,
            }
            subject = _("%(workspace)s: a one-minute anonymous survey") % {"workspace": survey.workspace.name}
            if reminder:
                subject = _("Reminder: %(subject)s") % {"subject": subject}
            body = render_to_string("surveys/pulse/email.txt", context)
        messages.append(EmailMessage(subject, body, None, [email]))
    try:
        get_connection(fail_silently=True).send_messages(messages)
    except Exception:
        logger.exception("eNPS pulse e-mails of survey %s could not all be sent", survey.pk)


# --- Answering --------------------------------------------------------------------------------------------


@dataclass
class PulseOutcome:
    status: str  # stored, duplicate, more (follow-ups to show first), expired, unknown
    given: dict[int, Any] = field(default_factory=dict)


def _parse(questions: list[Question], data: Mapping[int, Any]) -> tuple[dict[int, Parsed], dict[int, Any]]:
    """Every answer parsed with the surveys' own rules; errors keyed ``q<id>``, all at once."""
    parsed: dict[int, Parsed] = {}
    given: dict[int, Any] = {}
    errors: dict[str, str] = {}
    for question in questions:
        try:
            item = answer_parse(question, data.get(question.pk))
        except ValueError as error:
            errors[f"q{question.pk}"] = str(error)
            continue
        if item is not None:
            parsed[question.pk], given[question.pk] = item, item.condition_value
    shown = applicable(questions, given)
    for question in shown:
        if question.required and question.pk not in parsed:
            errors.setdefault(f"q{question.pk}", _("Please answer this question."))
    if errors:
        raise ValidationError(errors)
    shown_ids = {q.pk for q in shown}
    return {qid: p for qid, p in parsed.items() if qid in shown_ids}, given


@transaction.atomic
def pulse_answer(
    *,
    key: str,
    answers: Mapping[int, Any],
    shown: Collection[int] | None = None,
    language: str = "",
    now: dt.datetime | None = None,
) -> PulseOutcome:
    """Store a member's answers once, anonymously. ``answers`` maps question ids to what was sent (Persian
    digits are fine); ``shown`` are the questions the page displayed (None: all that apply), and when the
    answers make an unseen follow-up apply nothing is stored (``more``). Bad answers raise ValidationError
    keyed ``q<question id>``."""
    now = now or timezone.now()
    pulse = pulse_by_key(key)
    if pulse is None:
        return PulseOutcome("unknown")
    if pulse.answered_at is not None:
        return PulseOutcome("duplicate")
    if pulse.expires_at <= now:
        return PulseOutcome("expired")
    questions = questions_of(pulse.survey)
    parsed, given = _parse(questions, answers)
    if shown is not None and any(q.pk not in shown for q in applicable(questions, given)):
        return PulseOutcome("more", given)
    day = _day(now)
    claimed = PulseInvitation.objects.filter(
        pk=pulse.pk, workspace_id=pulse.workspace_id, answered_at__isnull=True, expires_at__gt=now
    ).update(answered_at=day)
    if claimed != 1:
        return PulseOutcome("duplicate")
    by_id = {q.pk: q for q in questions}
    score = next(
        (p.value for qid, p in parsed.items() if by_id[qid].type == QuestionType.NPS and p.value is not None),
        None,
    )
    response = Response.objects.create(
        workspace_id=pulse.workspace_id,
        survey=pulse.survey,
        team_id=pulse.team_id,
        language=language if language in ("fa", "en") else pulse.language,
        score=score,
        created_at=day,
        submitted_at=day,
    )
    PulseResponse.objects.create(
        workspace_id=pulse.workspace_id, survey=pulse.survey, round=pulse.round, response=response
    )
    texts = [p for p in parsed.values() if p.text]
    for item, reading in zip(
        texts, comments.readings([p.text for p in texts], workspace=pulse.workspace), strict=True
    ):
        if reading is not None:
            item.sentiment, item.sentiment_score, item.topics = (
                reading.sentiment,
                reading.score,
                reading.topics,
            )
    Answer.objects.bulk_create(
        Answer(
            workspace_id=pulse.workspace_id,
            response=response,
            question=by_id[qid],
            value=item.value,
            choices=item.choices,
            text=item.text,
            flags=item.flags,
            sentiment=item.sentiment,
            sentiment_score=item.sentiment_score,
            topics=item.topics,
            created_at=day,
        )
        for qid, item in parsed.items()
    )
    _refresh_reports_if_past(pulse.workspace_id, day, now)
    return PulseOutcome("stored", given)


def _refresh_reports_if_past(workspace_id: int, day: dt.datetime, now: dt.datetime) -> None:
    """Near midnight Tehran on a month's first day, the UTC day falls in the previous month: that month's
    roll-up is read from the roll-ups, so refresh it after commit."""
    from mehvar.surveys.reports import rollups

    if rollups.month_of(day) != rollups.current_month(now):
        transaction.on_commit(
            partial(rollups.report_moments_refresh, workspace_id=workspace_id, moments=[day])
        )


# --- Results ----------------------------------------------------------------------------------------------

OVERALL = "all"


def hidden_groups(sizes: Mapping[Any, int], *, minimum: int) -> dict[Any, str]:
    """The groups whose figures must not be shown, and why, given each group's number of scored answers.

    ``few``: fewer answers than ``minimum``. ``guard``: big enough, but hidden too because the overall figure
    is shown and the hidden groups together have fewer than ``minimum`` answers: their figures would be the
    overall minus the groups shown. The smallest shown groups are hidden until the hidden ones add up to the
    minimum. When the whole is below the minimum, every group is hidden (and so is the overall figure)."""
    order = {key: position for position, key in enumerate(sizes)}
    if sum(sizes.values()) < minimum:
        return dict.fromkeys(sizes, "few")
    hidden = {key: "few" for key, size in sizes.items() if size < minimum}
    if hidden:
        candidates = sorted((key for key in sizes if key not in hidden), key=lambda k: (sizes[k], order[k]))
        while sum(sizes[key] for key in hidden) < minimum and candidates:
            hidden[candidates.pop(0)] = "guard"
    return hidden


@dataclass(frozen=True)
class GroupFigures:
    """One group's figures; a hidden group carries only its name, how many were asked and why it is hidden
    (nothing derived from its answers)."""

    key: str
    name: str
    sent: int
    hidden: str = ""  # "", "few", "guard" or "open" (the round is still open)
    answered: int | None = None
    rate: int | None = None  # percent
    enps: int | None = None
    promoters: int | None = None
    passives: int | None = None
    detractors: int | None = None
    shares: tuple[int, int, int] | None = None  # promoters, passives, detractors in percent

    @property
    def shown(self) -> bool:
        return not self.hidden


@dataclass(frozen=True)
class RoundSummary:
    number: int
    sent: int
    answered: int
    sent_at: dt.datetime | None
    expires_at: dt.datetime
    open: bool


@dataclass(frozen=True)
class CommentGroup:
    question: str
    texts: list[str]


@dataclass(frozen=True)
class PulseResults:
    min_group: int
    rounds: list[RoundSummary]
    round: RoundSummary | None
    overall: GroupFigures | None
    teams: list[GroupFigures]
    comments: list[CommentGroup]

    @property
    def has_teams(self) -> bool:
        """Whether a team table says more than the overall figure (some member was in a team)."""
        return any(group.key != "none" for group in self.teams)

    @property
    def next_round(self) -> int:
        return (self.rounds[0].number if self.rounds else 0) + 1


def pulse_rounds(*, survey: Survey, now: dt.datetime | None = None) -> list[RoundSummary]:
    """The survey's rounds, newest first, with how many were asked and answered (one query)."""
    now = now or timezone.now()
    rows = (
        PulseInvitation.objects.filter(workspace_id=survey.workspace_id, survey=survey)
        .values("round")
        .annotate(
            sent=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            first_sent=Min("sent_at"),
            last_expiry=Max("expires_at"),
        )
        .order_by("-round")
    )
    return [
        RoundSummary(
            number=row["round"],
            sent=row["sent"],
            answered=row["answered"],
            sent_at=row["first_sent"],
            expires_at=row["last_expiry"],
            open=row["last_expiry"] > now,
        )
        for row in rows
    ]


def _percent(part: int, whole: int) -> int | None:
    return round(part * 100 / whole) if whole else None


def _figures(key: str, name: str, sent: int, tally: Mapping[str, int], hidden: str) -> GroupFigures:
    if hidden:
        return GroupFigures(key=key, name=name, sent=sent, hidden=hidden)
    scored, promoters, detractors = tally["scored"], tally["promoters"], tally["detractors"]
    passives = scored - promoters - detractors
    return GroupFigures(
        key=key,
        name=name,
        sent=sent,
        answered=tally["answered"],
        rate=_percent(tally["answered"], sent),
        enps=round((promoters - detractors) * 100 / scored),
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        shares=(
            _percent(promoters, scored) or 0,
            _percent(passives, scored) or 0,
            _percent(detractors, scored) or 0,
        ),
    )


def _comments(survey: Survey, number: int, language: str) -> list[CommentGroup]:
    """The free-text answers, by question, without team or date, in an order that says nothing about when
    (or by whom) they were written: a keyed hash of the answer's id."""
    texts: dict[int, list[tuple[bytes, str]]] = {}
    rows = Answer.objects.filter(
        workspace_id=survey.workspace_id,
        response__survey=survey,
        response__pulse__round=number,
        question__type=QuestionType.TEXT,
    ).exclude(text="")
    secret = settings.SECRET_KEY.encode()
    for answer_id, question_id, text in rows.values_list("pk", "question_id", "text"):
        digest = hmac.new(secret, f"pulse-comment:{answer_id}".encode(), hashlib.sha256).digest()
        texts.setdefault(question_id, []).append((digest, text))
    return [
        CommentGroup(question=q.text(language), texts=[text for _d, text in sorted(texts[q.pk])])
        for q in Question.objects.filter(workspace_id=survey.workspace_id, pk__in=list(texts)).order_by(
            "position", "pk"
        )
    ]


def pulse_results(
    *, survey: Survey, round_number: int | None = None, language: str = "fa", now: dt.datetime | None = None
) -> PulseResults:
    """The results of one round (the newest by default) with the minimum group size applied: overall and per
    team (eNPS, promoters, passives, detractors, response rate), and the comments when the overall figure is
    shown. A fixed number of queries, whatever the number of teams or answers."""
    from mehvar.conversations.models import Team

    minimum = survey_settings(survey.workspace).enps_min_group
    rounds = pulse_rounds(survey=survey, now=now)
    chosen = next((r for r in rounds if r.number == round_number), rounds[0] if rounds else None)
    if chosen is None:
        return PulseResults(minimum, rounds, None, None, [], [])
    invited = (
        PulseInvitation.objects.filter(workspace_id=survey.workspace_id, survey=survey, round=chosen.number)
        .values("team_id")
        .annotate(sent=Count("pk"))
        .order_by()
    )
    sent = {row["team_id"]: row["sent"] for row in invited}
    answered = (
        Response.objects.filter(workspace_id=survey.workspace_id, survey=survey, pulse__round=chosen.number)
        .values("team_id")
        .annotate(
            answered=Count("pk"),
            scored=Count("score"),
            promoters=Count("pk", filter=Q(score__gte=scales.PROMOTER_MIN)),
            detractors=Count("pk", filter=Q(score__lte=scales.DETRACTOR_MAX)),
        )
        .order_by()
    )
    empty = {"answered": 0, "scored": 0, "promoters": 0, "detractors": 0}
    tallies: dict[int | None, dict[str, int]] = {team_id: dict(empty) for team_id in sent}
    for row in answered:
        tallies.setdefault(row["team_id"], dict(empty)).update({k: row[k] for k in empty})
    names = dict(
        Team.objects.filter(workspace_id=survey.workspace_id, pk__in=[t for t in tallies if t]).values_list(
            "pk", "name"
        )
    )
    ordered = sorted(tallies, key=lambda t: (t is None, names.get(t, "") if t else "", t or 0))
    hidden = hidden_groups({t: tallies[t]["scored"] for t in ordered}, minimum=minimum)
    total = {k: sum(tally[k] for tally in tallies.values()) for k in empty}
    # While the round is open nothing derived from the answers shows: reloading before and after one
    # colleague says they answered would give away their score.
    overall_hidden = "open" if chosen.open else "few" if total["scored"] < minimum else ""
    if chosen.open:
        hidden = dict.fromkeys(ordered, "open")
    overall = _figures(OVERALL, _("Everyone"), chosen.sent, total, overall_hidden)
    if overall_hidden:  # how many answered so far is no secret; what they answered is
        overall = GroupFigures(
            key=OVERALL,
            name=overall.name,
            sent=chosen.sent,
            hidden=overall_hidden,
            answered=chosen.answered,
            rate=_percent(chosen.answered, chosen.sent),
        )
    teams = [
        _figures(
            f"team-{t}" if t else "none",
            names.get(t, "") if t else _("Without a team"),
            sent.get(t, 0),
            tallies[t],
            hidden.get(t, ""),
        )
        for t in ordered
    ]
    notes = [] if overall_hidden else _comments(survey, chosen.number, language)
    return PulseResults(minimum, rounds, chosen, overall, teams, notes)
