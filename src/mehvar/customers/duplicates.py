"""Fuzzy duplicate detection: customers who may be one person go to a review queue, with the evidence.

Nothing here merges anyone. Every finding is a ``DuplicateSuggestion`` that a person reviews (merge, or
"not the same person"); merges happen only through ``merging.customer_merge``. That keeps automatic merges
at precision 1.0 trivially: there are none. (Customers that share an exact identity cannot exist: the
identity belongs to one customer, and ``matching.customer_resolve`` reports conflicts as suggestions too.)

**Blocking.** Comparing every pair is impossible at a million customers, so customers are compared only
within blocks of customers that share a key:

* the same phone (E.164), the same e-mail, the same e-mail local part (``ali.rezaei@…``);
* the same Persian-normalised full name (``search_key``: علی رضایی = علي رضائي = علی‌رضایی) and birthday;
* the same last name and birthday, the same first name and birthday (one half of the name written apart);
* the same full name and city;
* the same last name and first-name initial.

A block with more than ``MAX_BLOCK`` customers (a very common name in a big city) is skipped: it is too
unspecific to say anything, and its real duplicates share a narrower block (phone, e-mail, birthday). The
work is then linear in the number of customers.

**Score.** Evidence items ``{signal, a, b, weight}`` are added up and clipped to [0, 1]: a similar name
(0.35 × similarity; a clearly different name −0.3), the same phone (+0.5) or a phone differing only in its
operator prefix (+0.15), a different phone (−0.4), the same e-mail (+0.5), the same e-mail local part at
another domain (+0.1), the same birthday (+0.3) or a different one (−0.3), the same city (+0.1) or a
different one (−0.3: people move, but a name-shaped address such as ali.rezaei@… is shared by namesakes
more often than a person changes city). Pairs scoring at least ``SUGGEST_AT`` are suggested. So a name and
a birthday are enough; a common name and a city are not; two different phones almost always rule a pair
out.
"""

import difflib
import functools
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.roles import Perm, role_has
from mehvar.core.text import search_key
from mehvar.customers.models import Customer, DuplicateSuggestion

MAX_BLOCK = 50
SUGGEST_AT = 0.6
NAME_SIMILAR = 0.8
WRITE_BATCH = 1000
LOAD_CHUNK = 10_000

W_NAME, W_NAME_DIFFERS = 0.35, -0.3
W_PHONE, W_PHONE_SUFFIX, W_PHONE_DIFFERS = 0.5, 0.15, -0.4
W_EMAIL, W_EMAIL_LOCAL = 0.5, 0.1
W_BIRTHDAY, W_BIRTHDAY_DIFFERS = 0.3, -0.3
W_CITY, W_CITY_DIFFERS = 0.1, -0.3
PHONE_SUFFIX_DIGITS = 7


@functools.lru_cache(maxsize=200_000)
def _key(text: str) -> str:
    """search_key, cached: names and cities repeat across a million customers."""
    return search_key(text)


class _Table:
    """The workspace's active customers, column by column (compact enough for a million rows)."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.names: list[str] = []  # as shown, for the evidence
        self.full: list[str] = []
        self.first: list[str] = []
        self.last: list[str] = []
        self.phone: list[str] = []
        self.email: list[str] = []
        self.city: list[str] = []
        self.birthday: list[Any] = []

    def add(self, row: tuple[Any, ...]) -> None:
        pk, first_name, last_name, display_name, phone, email, city, birthday = row
        first, last = _key(first_name), _key(last_name)
        self.ids.append(pk)
        self.names.append(display_name or f"{first_name} {last_name}".strip())
        self.first.append(first)
        self.last.append(last)
        self.full.append(first + last if first or last else _key(display_name))
        self.phone.append(phone)
        self.email.append(email.lower())
        self.city.append(_key(city))
        self.birthday.append(birthday)

    def __len__(self) -> int:
        return len(self.ids)


def _load(workspace: Workspace) -> _Table:
    table = _Table()
    rows = (
        Customer.objects.filter(workspace=workspace, merged_into__isnull=True, erased_at__isnull=True)
        .order_by()
        .values_list("pk", "first_name", "last_name", "display_name", "phone", "email", "city", "birthday")
    )
    for row in rows.iterator(chunk_size=LOAD_CHUNK):
        table.add(row)
    return table


def _rules(t: _Table) -> list[tuple[str, Callable[[int], Any]]]:
    def local(i: int) -> str:
        part = t.email[i].partition("@")[0]
        return part if len(part) >= 4 else ""

    return [
        ("phone", lambda i: t.phone[i]),
        ("email", lambda i: t.email[i]),
        ("email_local", local),
        ("name_birthday", lambda i: (t.full[i], t.birthday[i]) if t.full[i] and t.birthday[i] else None),
        ("last_birthday", lambda i: (t.last[i], t.birthday[i]) if t.last[i] and t.birthday[i] else None),
        ("first_birthday", lambda i: (t.first[i], t.birthday[i]) if t.first[i] and t.birthday[i] else None),
        ("name_city", lambda i: (t.full[i], t.city[i]) if t.full[i] and t.city[i] else None),
        ("last_initial", lambda i: (t.last[i], t.first[i][:1]) if t.last[i] and t.first[i] else None),
    ]


def _blocks(t: _Table, key: Callable[[int], Any], stats: dict[str, int]) -> Iterator[list[int]]:
    groups: dict[Any, list[int]] = {}
    for i in range(len(t)):
        value = key(i)
        if value:
            groups.setdefault(value, []).append(i)
    for members in groups.values():
        if len(members) < 2:
            continue
        if len(members) > MAX_BLOCK:
            stats["oversized_blocks"] += 1
            continue
        stats["blocks"] += 1
        yield members


def _name_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _score(t: _Table, i: int, j: int) -> tuple[float, list[dict[str, Any]]]:
    evidence: list[dict[str, Any]] = []

    def add(signal: str, a: Any, b: Any, weight: float) -> None:
        evidence.append({"signal": signal, "a": a, "b": b, "weight": weight})

    if t.full[i] and t.full[j]:
        similarity = _name_similarity(t.full[i], t.full[j])
        if similarity >= NAME_SIMILAR:
            add("name", t.names[i], t.names[j], round(W_NAME * similarity, 3))
        else:
            add("name differs", t.names[i], t.names[j], W_NAME_DIFFERS)
    if t.phone[i] and t.phone[j]:
        if t.phone[i] == t.phone[j]:
            add("phone", t.phone[i], t.phone[j], W_PHONE)
        elif t.phone[i][-PHONE_SUFFIX_DIGITS:] == t.phone[j][-PHONE_SUFFIX_DIGITS:]:
            add("phone suffix", t.phone[i], t.phone[j], W_PHONE_SUFFIX)
        else:
            add("phone differs", t.phone[i], t.phone[j], W_PHONE_DIFFERS)
    if t.email[i] and t.email[j]:
        if t.email[i] == t.email[j]:
            add("email", t.email[i], t.email[j], W_EMAIL)
        elif t.email[i].partition("@")[0] == t.email[j].partition("@")[0]:
            add("email local part", t.email[i], t.email[j], W_EMAIL_LOCAL)
    if t.birthday[i] and t.birthday[j]:
        same = t.birthday[i] == t.birthday[j]
        add(
            "birthday" if same else "birthday differs",
            t.birthday[i].isoformat(),
            t.birthday[j].isoformat(),
            W_BIRTHDAY if same else W_BIRTHDAY_DIFFERS,
        )
    if t.city[i] and t.city[j]:
        same = t.city[i] == t.city[j]
        add("city" if same else "city differs", t.city[i], t.city[j], W_CITY if same else W_CITY_DIFFERS)
    total = sum(item["weight"] for item in evidence)
    return max(0.0, min(1.0, round(total, 3))), evidence


def candidate_pairs(table: _Table, stats: dict[str, int]) -> dict[tuple[int, int], tuple[float, list]]:
    """(position, position) → (score, evidence) for every pair worth suggesting."""
    found: dict[tuple[int, int], tuple[float, list]] = {}
    for _name, key in _rules(table):
        for members in _blocks(table, key, stats):
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    pair = (i, j) if i < j else (j, i)
                    if pair in found:
                        continue
                    stats["pairs_compared"] += 1
                    score, evidence = _score(table, *pair)
                    if score >= SUGGEST_AT:
                        found[pair] = (score, evidence)
    return found


def duplicates_detect(*, workspace: Workspace) -> dict[str, Any]:
    """Find likely duplicates among the workspace's active customers and add them to the review queue.

    Pairs already in the queue (open, merged or dismissed) are left as they are. Returns statistics:
    customers, blocks, oversized_blocks, pairs_compared, found, created, seconds.
    """
    started = time.perf_counter()
    stats: dict[str, Any] = {"blocks": 0, "oversized_blocks": 0, "pairs_compared": 0}
    table = _load(workspace)
    stats["customers"] = len(table)
    found = candidate_pairs(table, stats)
    stats["found"] = len(found)
    before = DuplicateSuggestion.objects.filter(workspace=workspace).count()
    now = timezone.now()
    suggestions = (
        DuplicateSuggestion(
            workspace=workspace,
            customer_a_id=table.ids[i],
            customer_b_id=table.ids[j],
            score=score,
            evidence=evidence,
            created_at=now,
        )
        if table.ids[i] < table.ids[j]
        else DuplicateSuggestion(
            workspace=workspace,
            customer_a_id=table.ids[j],
            customer_b_id=table.ids[i],
            score=score,
            evidence=[{**item, "a": item["b"], "b": item["a"]} for item in evidence],
            created_at=now,
        )
        for (i, j), (score, evidence) in found.items()
    )
    with transaction.atomic():
        batch: list[DuplicateSuggestion] = []
        for suggestion in suggestions:
            batch.append(suggestion)
            if len(batch) == WRITE_BATCH:
                DuplicateSuggestion.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        DuplicateSuggestion.objects.bulk_create(batch, ignore_conflicts=True)
    stats["created"] = DuplicateSuggestion.objects.filter(workspace=workspace).count() - before
    stats["seconds"] = round(time.perf_counter() - started, 3)
    return stats


def suggestions_open(*, workspace: Workspace) -> QuerySet[DuplicateSuggestion]:
    """The review queue: open suggestions between two active customers, most likely first."""
    return (
        DuplicateSuggestion.objects.filter(
            workspace=workspace,
            status=DuplicateSuggestion.Status.OPEN,
            customer_a__merged_into__isnull=True,
            customer_a__erased_at__isnull=True,
            customer_b__merged_into__isnull=True,
            customer_b__erased_at__isnull=True,
        )
        .select_related("customer_a", "customer_b")
        .order_by("-score", "pk")
    )


def suggestion_dismiss(
    *, acting: Membership, suggestion: DuplicateSuggestion, via: str = "web"
) -> DuplicateSuggestion:
    """Mark a suggestion "not the same person"; it is not suggested again."""
    if acting.workspace_id != suggestion.workspace_id:
        raise Http404
    if not role_has(acting.role, Perm.CUSTOMERS_EDIT):
        raise PermissionDenied
    with transaction.atomic():
        locked = (
            DuplicateSuggestion.objects.select_for_update()
            .filter(workspace_id=acting.workspace_id, pk=suggestion.pk)
            .first()
        )
        if locked is None:
            raise Http404
        if locked.status != DuplicateSuggestion.Status.OPEN:
            raise ValidationError({"status": _("This suggestion has already been reviewed.")})
        locked.status = DuplicateSuggestion.Status.DISMISSED
        locked.reviewed_by = acting
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        audit_record(
            workspace=locked.workspace,
            actor=acting.user,
            action=AuditEntry.Action.UPDATE,
            obj=locked,
            before={"status": DuplicateSuggestion.Status.OPEN},
            after={"status": locked.status},
            via=via,
        )
    return locked
