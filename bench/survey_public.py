"""The customer's survey pages under load, served by uvicorn as in production, measured with wrk.

Measured (issue 5, performance: at least 250 requests a second, goal 500), each request on a different
invitation, so that every answer is a real first answer with its database writes:

1. ``GET /s/<key>/``: the survey page (the invitation found by its key, marked opened, the form drawn);
2. ``GET /s/<key>/a/<question>/<value>/<signature>/``: the one-tap answer from a link (signature checked,
   invitation locked, response and answer stored, the customer's timeline and last NPS written, a recovery
   task opened for a detractor), answered with a redirect to the page; this is the record's measurement;
3. ``POST /s/<key>/``: the whole form (the NPS answer and, for 40% of them, a Persian comment that the
   feedback engine reads), answered with a redirect to the thank-you page.

Reference: the same server answering ``GET /api/v1/version`` (no database, no session), under the same wrk
load: the framework's ceiling on this machine.

The server is uvicorn with DEBUG off and one worker per CPU (``activity_ingest._server``), on a free
loopback port, against the benchmarks' database; wrk runs on the same machine (one thread per CPU,
``CONNECTIONS`` connections) with a Lua script generated into ``var/bench-survey-public/`` that walks the
phase's list of URLs, each thread its own slice. After each phase the database is checked: every key that
was asked stored exactly one response (and one answer), and no key was used twice. A smoke run
(``--customers N``) sends exactly N requests per phase with Python's http.client instead, so the runner's
test does not need wrk. Without wrk a scale run is skipped with a message (``make bench`` installs it).

Setup (not timed): a workspace with an NPS survey (the kind's default questions), a pool of customers and
``KEYS`` invitations per phase, all with ``bulk_create``; keys and one-tap signatures from
``surveys/links.py``. The feedback engine's base model is built first if missing, and each phase starts
with a short warm-up on keys of its own, so that no worker loads a model inside the measured time.
"""

import datetime as dt
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from bench.activity_ingest import _server
from bench.environment import REPO
from bench.records import Measurement, Outcome
from mehvar.accounts.services import user_create
from mehvar.channels.models import Channel
from mehvar.core.models import Membership, Workspace
from mehvar.core.services import workspace_create
from mehvar.customers.models import Activity, Customer
from mehvar.surveys import links
from mehvar.surveys.authoring import survey_create
from mehvar.surveys.models import Answer, Invitation, RecoveryTask, Response, SurveyKind
from mehvar.surveys.questions import questions_of

NAME = "survey_public"
USES_DATABASE = True
DESCRIPTION = (
    "The customer's survey page, one-tap answer and form POST under wrk (uvicorn, DEBUG off, a different "
    "invitation each request, database writes included) beside GET /api/v1/version on the same server."
)
DURATION = {"quick": 20, "full": 60}  # seconds of wrk per phase
KEYS = {"quick": 25_000, "full": 75_000}  # invitations per phase: more than a phase can use
WARM_UP = 200  # requests per phase before the clock starts, on keys of their own
CONNECTIONS = 32
WORKERS = max(1, min(os.cpu_count() or 1, 4))
TARGET, GOAL = 250, 500  # requests a second (issue 5, performance)
SLUG = "bench-survey-public"
PHASES = ("page", "answer", "form")
COMMENTS = (
    "ارسال خیلی دیر بود و کسی جواب نداد.",
    "کیفیت کالا عالی بود، ممنون.",
    "قیمت‌ها کمی بالاست ولی پشتیبانی خوب بود.",
    "بسته‌بندی ضعیف بود و جعبه آسیب دیده بود.",
    "خرید از اپ راحت و سریع بود.",
)


# --- Setup ------------------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    method: str
    lines: list[str]  # "path" (GET) or "path body" (POST)
    warm: list[str]
    invitation_ids: list[int]


@dataclass
class Setup:
    workspace: Workspace
    phases: dict[str, Phase] = field(default_factory=dict)


def _value(rng: random.Random) -> int:
    """An NPS answer as customers give them: about 20% detractors, 30% passives, 50% promoters."""
    return rng.choices(range(11), weights=(1, 1, 1, 1, 2, 3, 4, 12, 15, 25, 25))[0]


def _clear() -> None:
    """Remove an earlier run's workspace; its big tables first, by workspace, without the ORM's collector."""
    workspace = Workspace.objects.filter(slug=SLUG).first()
    if workspace is None:
        return
    with connection.cursor() as cursor:
        for model in (Answer, RecoveryTask, Response, Invitation, Activity, Customer):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE workspace_id = %s", [workspace.pk])
    workspace.delete()


def _setup(keys: int, seed: int, log: Any = print) -> Setup:
    started = time.perf_counter()
    _clear()
    email = f"owner@{SLUG}.bench"
    get_user_model().objects.filter(email=email).delete()
    owner = user_create(email=email, password="bench-password-1234", full_name="bench")
    workspace = workspace_create(name="Survey pages benchmark", slug=SLUG, owner=owner)
    member = Membership.objects.get(workspace=workspace, user=owner)
    channel = Channel.objects.create(workspace=workspace, kind="sms", name="SMS", config={})
    survey = survey_create(acting=member, kind=SurveyKind.NPS, title_fa="نظرسنجی", active=True, via="system")
    score, low, high = questions_of(survey)  # the NPS question and its two follow-ups (≤ 6, ≥ 7)
    now = timezone.now()
    per_phase = keys + WARM_UP
    total = per_phase * len(PHASES)
    pool = max(100, min(total // 10, 20_000))  # a customer gets a handful of invitations, as in life
    Customer.objects.bulk_create(
        [
            Customer(
                workspace=workspace, phone=f"+98912{n:07d}", display_name=f"مشتری {n}", first_seen_at=now
            )
            for n in range(pool)
        ],
        batch_size=5000,
    )
    customers = list(Customer.objects.filter(workspace=workspace).order_by("pk").values_list("pk", flat=True))
    rng = random.Random(seed)
    invitations = [
        Invitation(
            workspace=workspace,
            survey=survey,
            customer_id=customers[n % pool],
            channel=channel,
            address=f"+98912{n % pool:07d}",
            token=links.new_token(),
            created_at=now,
            send_at=now,
            sent_at=now,
            expires_at=now + dt.timedelta(days=14),
        )
        for n in range(total)
    ]
    with transaction.atomic():
        Invitation.objects.bulk_create(invitations, batch_size=5000)
    setup = Setup(workspace=workspace)
    for number, name in enumerate(PHASES):
        mine = invitations[number * per_phase : (number + 1) * per_phase]
        lines = []
        for invitation in mine:
            key = links.invitation_key(invitation)
            value = _value(rng)
            if name == "page":
                lines.append(f"/s/{key}/")
            elif name == "answer":
                signature = links.one_tap_signature(key=key, question_id=score.pk, value=value)
                lines.append(f"/s/{key}/a/{score.pk}/{value}/{signature}/")
            else:
                form = [
                    ("lang", "fa"),
                    (f"q{score.pk}", value),
                    *[("shown", q.pk) for q in (score, low, high)],
                ]
                if rng.random() < 0.4:
                    form.append((f"q{(low if value <= 6 else high).pk}", rng.choice(COMMENTS)))
                lines.append(f"/s/{key}/ {urllib.parse.urlencode(form)}")
        setup.phases[name] = Phase(
            name=name,
            method="POST" if name == "form" else "GET",
            lines=lines[WARM_UP:],
            warm=lines[:WARM_UP],
            invitation_ids=[invitation.pk for invitation in mine[WARM_UP:]],
        )
    if connection.vendor == "postgresql":
        # Every table the run writes, not only the two it fills here: an earlier run's deleted rows would
        # otherwise stay in their indexes (where autovacuum is off, as on the benchmark machine) and each run
        # would start slower than the one before.
        with connection.cursor() as cursor:
            for model in (Invitation, Customer, Response, Answer, Activity, RecoveryTask):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    log(f"   {total:,} invitations for {pool:,} customers in {time.perf_counter() - started:.0f} s")
    return setup


def _feedback_model_ready() -> None:
    """Build the feedback engine's base model now if it is missing, rather than in a worker mid-run."""
    from django.test.utils import override_settings

    from mehvar.feedback.analysis import feedback_base_model

    with override_settings(FEEDBACK_MODEL_BUILD="inline"):
        feedback_base_model()


# --- Load: wrk --------------------------------------------------------------------------------------------

LUA = r"""-- Generated by bench/survey_public.py: each wrk thread walks its own slice of the phase's requests.
local threads, count = {}, 0

function setup(thread)
  thread:set("id", count)
  table.insert(threads, thread)
  count = count + 1
end

function init(args)
  local prefix, method = args[1], args[2]
  local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  items, index, wrapped = {}, 0, 0
  for line in io.lines(prefix .. "-" .. id .. ".txt") do
    if method == "POST" then
      local path, body = line:match("^(%S+) (.*)$")
      items[#items + 1] = wrk.format("POST", path, form, body)
    else
      items[#items + 1] = wrk.format("GET", line)
    end
  end
end

function request()
  index = index + 1
  if index > #items then
    index, wrapped = 1, wrapped + 1
  end
  return items[index]
end

function done(summary, latency, requests)
  local sent, wraps = 0, 0
  for _, thread in ipairs(threads) do
    sent = sent + thread:get("index")
    wraps = wraps + thread:get("wrapped")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "sent": %d, "wrapped": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, sent, wraps))
end
"""


def wrk_path() -> str | None:
    return shutil.which("wrk")


def _wrk(port: int, lines: list[str], method: str, seconds: int, folder: Path, name: str) -> dict[str, Any]:
    """One wrk run over these requests; what its ``done`` reported."""
    threads = WORKERS
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "walk.lua"
    script.write_text(LUA, encoding="utf-8")
    prefix = folder / name
    for number in range(threads):
        (folder / f"{name}-{number}.txt").write_text(
            "\n".join(lines[number::threads]) + "\n", encoding="utf-8"
        )
    command = [
        wrk_path() or "wrk",
        f"-t{threads}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
        "--",
        str(prefix),
        method,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    found = re.search(r"^WRK_JSON (.*)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-800:]} {done.stderr[-800:]}")
    result = json.loads(found.group(1))
    result["seconds"] = result["duration_us"] / 1e6
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


# --- Load: Python (smoke runs, warm-up) -------------------------------------------------------------------


def _python(port: int, lines: list[str], method: str, clients: int = 4) -> dict[str, Any]:
    """Send each request once over ``clients`` keep-alive connections; wrk's figures, from Python."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def work(share: list[str]) -> None:
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, bad = [], []
        for line in share:
            path, _sep, body = line.partition(" ")
            headers = {"Content-Type": "application/x-www-form-urlencoded"} if method == "POST" else {}
            began = time.perf_counter()
            client.request(method, path, body=body.encode() if method == "POST" else None, headers=headers)
            response = client.getresponse()
            response.read()
            mine.append(time.perf_counter() - began)
            if not 200 <= response.status < 400:
                bad.append(f"{response.status} {path}")
        client.close()
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    workers = [threading.Thread(target=work, args=(lines[n::clients],)) for n in range(clients)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]

    def pick(share: float) -> int:
        return int(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1e6)

    return {
        "requests": len(latencies),
        "seconds": seconds,
        "errors": len(errors),
        "status": len(errors),
        "error_samples": errors[:3],
        "p50_us": pick(0.5),
        "p90_us": pick(0.9),
        "p99_us": pick(0.99),
        "max_us": int(ordered[-1] * 1e6),
        "sent": len(latencies),
        "wrapped": 0,
    }


# --- Checks -----------------------------------------------------------------------------------------------


def _settled(invitations: Any, field_name: str) -> None:
    """Wait for the requests still in the server when wrk stopped: until the phase's count holds still."""
    last, deadline = -1, time.monotonic() + 60
    while time.monotonic() < deadline:
        count = invitations.filter(**{f"{field_name}__isnull": False}).count()
        if count == last:
            return
        last = count
        time.sleep(1.0)


def _check(phase: Phase, result: dict[str, Any]) -> dict[str, int]:
    """What the phase stored, from the database; raises when a key stored more or less than once."""
    ids = phase.invitation_ids
    workspace_id = Invitation.objects.filter(pk=ids[0]).values_list("workspace_id", flat=True).first()
    low, high = min(ids), max(ids)  # bulk_create gave the phase's invitations consecutive ids
    invitations = Invitation.objects.filter(workspace_id=workspace_id, pk__gte=low, pk__lte=high)
    _settled(invitations, "opened_at" if phase.name == "page" else "answered_at")
    responses = Response.objects.filter(
        workspace_id=workspace_id, invitation_id__gte=low, invitation_id__lte=high
    )
    counts = {
        "opened": invitations.filter(opened_at__isnull=False).count(),
        "answered": invitations.filter(answered_at__isnull=False).count(),
        "responses": responses.count(),
        "responses_submitted": responses.filter(submitted_at__isnull=False).count(),
        "answers": Answer.objects.filter(response__in=responses, question__type="nps").count(),
        "comments": Answer.objects.filter(response__in=responses).exclude(text="").count(),
    }
    if result["wrapped"]:
        raise AssertionError(f"{phase.name}: the requests ran out of keys ({result['wrapped']} wraps)")
    asked = min(result["sent"], len(ids))
    if phase.name == "page":
        stored = counts["opened"]
    else:
        stored = counts["responses"]
        if not counts["responses"] == counts["answered"] == counts["answers"]:
            raise AssertionError(f"{phase.name}: responses, answered keys and answers differ: {counts}")
        if phase.name == "form" and counts["responses_submitted"] != counts["responses"]:
            raise AssertionError(f"form: some responses were not submitted: {counts}")
    # wrk counts the requests that completed; those in flight when it stopped may have been stored too.
    if not result["requests"] - result["errors"] <= stored <= asked:
        raise AssertionError(
            f"{phase.name}: {stored} keys stored for {result['requests']} requests: {counts}"
        )
    return counts


# --- Run --------------------------------------------------------------------------------------------------


def _phase_figures(name: str, result: dict[str, Any]) -> dict[str, Any]:
    rate = result["requests"] / result["seconds"] if result["seconds"] else 0.0
    return {
        f"{name}_requests_per_second": round(rate, 1),
        f"{name}_p50_ms": round(result["p50_us"] / 1000, 2),
        f"{name}_p99_ms": round(result["p99_us"] / 1000, 2),
        f"{name}_errors_non_2xx_3xx": result["status"],
        f"{name}_socket_errors": result["errors"] - result["status"],
    }


def run(*, scale: str, rows: int | None, seed: int, engine: str) -> Outcome | None:
    smoke = rows is not None
    if not smoke and wrk_path() is None:
        print("   skipped: wrk is not installed (`make bench` installs it with apt-get: apt-get install wrk)")
        return None
    seconds = DURATION.get(scale, DURATION["quick"])
    keys = rows if smoke else KEYS.get(scale, KEYS["quick"])
    setup = _setup(keys, seed)
    _feedback_model_ready()
    var = Path(os.environ.get("MEHVAR_VAR_DIR", REPO / "var")).resolve()
    folder = var / "bench-survey-public"
    results: dict[str, dict[str, Any]] = {}
    checks: dict[str, dict[str, int]] = {}
    with _server(var / "bench-survey-public-uvicorn.log", WORKERS) as port:
        reference_lines = ["/api/v1/version"] * (rows or 1000)
        _python(port, reference_lines[:WARM_UP], "GET")
        results["reference"] = (
            _python(port, reference_lines, "GET")
            if smoke
            else _wrk(port, reference_lines, "GET", seconds, folder, "reference")
        )
        for name in PHASES:
            phase = setup.phases[name]
            _python(port, phase.warm, phase.method)
            results[name] = (
                _python(port, phase.lines, phase.method)
                if smoke
                else _wrk(port, phase.lines, phase.method, seconds, folder, name)
            )
            checks[name] = _check(phase, results[name])
            if smoke and results[name]["errors"]:
                raise AssertionError(f"{name}: {results[name]['error_samples']}")
    _clear()

    answer, reference = results["answer"], results["reference"]
    parameters: dict[str, Any] = {
        "tool": "python http.client (smoke run)"
        if smoke
        else f"wrk, {WORKERS} threads, {CONNECTIONS} connections",
        "seconds_per_phase": None if smoke else seconds,
        "keys_per_phase": keys,
        "uvicorn_workers": WORKERS,
        "target_requests_per_second": TARGET,
        "goal_requests_per_second": GOAL,
        "seed": seed,
    }
    for name in ("reference", *PHASES):
        parameters.update(_phase_figures(name, results[name]))
    slowest = min(parameters["page_requests_per_second"], parameters["answer_requests_per_second"])
    parameters["target_met"] = slowest >= TARGET
    parameters["goal_met"] = slowest >= GOAL
    for name, counts in checks.items():
        parameters[f"{name}_stored"] = counts["opened"] if name == "page" else counts["responses"]
    parameters["form_comments"] = checks["form"]["comments"]
    notes = [
        "each request used a different invitation; after each phase the database held exactly one response "
        "(and one answer) per answered key, and no key was used twice",
        "wrk and uvicorn share the machine's CPUs; 3xx counts as success (the one-tap answer and the form "
        "redirect), wrk does not follow redirects",
    ]
    if any(results[name]["status"] for name in results):
        notes.append("FAILED: some requests answered other than 2xx/3xx (see *_errors_non_2xx_3xx)")
    return Outcome(
        measurement=Measurement(
            name="GET /s/<key>/a/<question>/<value>/<signature>/",
            description="the one-tap answer (a different invitation each request): signature checked, "
            "invitation locked, response and answer stored, timeline and last NPS written, recovery task "
            f"for detractors; uvicorn, DEBUG off, {WORKERS} workers",
            rows=answer["requests"],
            rounds=[answer["seconds"]],
        ),
        reference=Measurement(
            name="GET /api/v1/version",
            description="the same server answering its lightest view (no database) under the same load",
            rows=reference["requests"],
            rounds=[reference["seconds"]],
        ),
        parameters=parameters,
        notes=notes,
    )
