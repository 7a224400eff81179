"""The demo's customers, drawn from the one generator and stored through the product's own paths.

* Each new person is resolved through ``matching.customers_resolve_bulk`` with the identities they wrote
  (a messy phone, an e-mail, a shop account, some Telegram/Instagram handles), so every phone shape becomes
  one E.164 identity. Profile extras (lifecycle, owner, custom field values checked against the shop's
  definitions) are the defaults of the customer created.
* The generator's deliberate duplicates (a person seen before, written again differently) stand for the
  shop's old hand-typed list: they are stored with ``customer_bulk_create``, which keeps them as separate
  customers without identity rows, as customers stored before matching existed are.
* A year of activities per customer goes through ``timeline.activities_ingest`` (1,000 at a time), which
  keeps ``last_contact_at`` and ``first_seen_at``; the lifetime value is the orders less the refunds.
* Finally ``duplicates.duplicates_detect`` fills the review queue.

Only the first ``STORY_CUSTOMERS`` customers are resolved and get a story (identities, extras, activities);
the rest of a big load (a million for a benchmark) are plain rows from ``customer_bulk_create``, as before,
so that it stays fast with flat memory.
"""

import datetime as dt
import itertools
from collections.abc import Iterator

from django.utils import timezone

from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.roles import Role
from mehvar.customers.duplicates import duplicates_detect
from mehvar.customers.matching import customers_resolve_bulk, normalize_identity
from mehvar.customers.models import Consent, Customer
from mehvar.customers.profile_fields import custom_value
from mehvar.customers.services import custom_field_define, customer_bulk_create, customer_update, tag_for
from mehvar.customers.timeline import MAX_INGEST_ITEMS, activities_ingest
from mehvar.demo.generator import (
    DEMO_CONTACT_POLICIES,
    DEMO_CUSTOM_FIELDS,
    CustomerStory,
    GeneratedCustomer,
    customer_story,
    customers,
)
from mehvar.demo.registry import DemoContext, demo_step

BATCH = 1000
STORY_CUSTOMERS = 10 * BATCH  # a whole number of batches


def _runs(
    batch: list[tuple[int, GeneratedCustomer]],
) -> Iterator[tuple[bool, list[tuple[int, GeneratedCustomer]]]]:
    """Consecutive rows that are (or are not) duplicates: customers are stored in the stream's order."""
    for duplicate, run in itertools.groupby(batch, key=lambda item: item[1].duplicate):
        yield duplicate, list(run)


class _Loader:
    def __init__(self, context: DemoContext, now: dt.datetime) -> None:
        self.context = context
        self.workspace = context.workspace
        self.now = now
        self.agents: list[Membership] = context.members.get(Role.AGENT) or [context.owner]
        self.taken: set[tuple[str, str]] = set()  # identities given out: two people never share one
        self.definitions = {
            key: custom_field_define(
                acting=context.owner,
                key=key,
                label=label,
                type=kind,
                choices=choices,
                position=n,
                via="system",
            )
            for n, (key, label, kind, choices) in enumerate(DEMO_CUSTOM_FIELDS)
        }
        self.tags = {}
        self.activities = 0
        self.stories = 0

    def story(self, position: int, row: GeneratedCustomer) -> CustomerStory | None:
        if position >= STORY_CUSTOMERS:
            return None
        return customer_story(
            row, position=position, seed=self.context.seed, now=self.now, agents=len(self.agents)
        )

    def _own(self, kind: str, raw: str) -> bool:
        """Whether this identity is free (then it is taken now): namesakes may write the same address."""
        key = (kind, normalize_identity(kind, raw))
        if key in self.taken:
            return False
        self.taken.add(key)
        return True

    def _fields(self, story: CustomerStory | None) -> dict:
        if story is None:
            return {}
        values = {key: custom_value(self.definitions[key], raw) for key, raw in story.custom_fields.items()}
        return {
            "lifecycle": story.lifecycle,
            "owner": self.agents[story.owner] if story.owner is not None else None,
            "custom_fields": values,
        }

    def people(
        self, run: list[tuple[int, GeneratedCustomer]], stories: dict[int, CustomerStory]
    ) -> list[Customer]:
        items, defaults = [], []
        for position, row in run:
            story = stories.get(position)
            identities = [("shop_account", f"ava-{self.context.seed}-{position + 1}")]
            if row.phone and self._own("phone", row.phone):
                identities.append(("phone", row.phone))
            if row.email.strip() and self._own("email", row.email):
                identities.append(("email", row.email))
            for kind, handle in story.handles if story else ():
                if self._own(kind, handle):
                    identities.append((kind, handle))
            items.append(identities)
            defaults.append(
                {
                    "first_name": row.first_name.strip(),
                    "last_name": row.last_name.strip(),
                    "city": row.city,
                    "province": row.province,
                    "birthday": row.birthday,
                    **self._fields(story),
                }
            )
        return customers_resolve_bulk(workspace=self.workspace, items=items, defaults=defaults, via="system")

    def duplicates(self, run: list[tuple[int, GeneratedCustomer]]) -> list[Customer]:
        before = (
            Customer.objects.filter(workspace=self.workspace).order_by("-pk").values_list("pk", flat=True)
        )
        last = before.first() or 0
        customer_bulk_create(workspace=self.workspace, rows=[row for _position, row in run], via="system")
        return list(Customer.objects.filter(workspace=self.workspace, pk__gt=last).order_by("pk"))

    def extras(self, stored: list[tuple[Customer, CustomerStory]]) -> None:
        """Tags, consents and the activities of one batch of customers."""
        through = Customer.tags.through
        links, consents, items = [], [], []
        for customer, story in stored:
            for name in story.tags:
                if name not in self.tags:
                    self.tags[name] = tag_for(self.workspace, name)
                links.append(through(customer_id=customer.pk, tag_id=self.tags[name].pk))
            for channel, granted, source, days in story.consents:
                consents.append(
                    Consent(
                        workspace=self.workspace,
                        customer=customer,
                        channel=channel,
                        granted=granted,
                        source=source,
                        recorded_at=self.now - dt.timedelta(days=days),
                        recorded_by=self.agents[story.owner] if story.owner is not None else None,
                    )
                )
            for activity in story.activities:
                items.append(
                    {
                        "customer": {"id": customer.pk},
                        "kind": activity.kind,
                        "channel": activity.channel,
                        "occurred_at": activity.occurred_at,
                        "summary": activity.summary,
                        "data": activity.data,
                        "source": activity.source,
                        "external_id": activity.external_id,
                    }
                )
        through.objects.bulk_create(links, batch_size=BATCH)
        Consent.objects.bulk_create(consents, batch_size=BATCH)
        for start in range(0, len(items), MAX_INGEST_ITEMS):
            activities_ingest(
                workspace=self.workspace, items=items[start : start + MAX_INGEST_ITEMS], via="system"
            )
        self.activities += len(items)
        self.stories += len(stored)
        values = []
        for customer, story in stored:
            if story.lifetime_value:
                customer.lifetime_value = story.lifetime_value
                values.append(customer)
        Customer.objects.bulk_update(values, ["lifetime_value"], batch_size=BATCH)
        if links or consents:
            audit_record(
                workspace=self.workspace,
                actor=None,
                action=AuditEntry.Action.UPDATE,
                object_type=Customer._meta.label_lower,
                object_label=f"{len(stored)} customers: tags and consent",
                after={"tags": len(links), "consents": len(consents)},
                via="system",
            )

    def authors(self, stored: list[tuple[Customer, CustomerStory]]) -> None:
        """Calls, notes and replies were by agents: the ingest path records no actor, the demo names them."""
        from mehvar.customers.models import Activity

        by_external = {
            activity.external_id: self.agents[activity.agent]
            for _customer, story in stored
            for activity in story.activities
            if activity.agent is not None
        }
        if not by_external:
            return
        rows = list(
            Activity.objects.filter(
                workspace=self.workspace,
                customer__in=[c for c, _s in stored],
                external_id__in=list(by_external),
            )
        )
        for activity in rows:
            activity.actor = by_external[activity.external_id]
        Activity.objects.bulk_update(rows, ["actor"], batch_size=BATCH)


@demo_step(order=100, name="customers")
def load_customers(context: DemoContext) -> None:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    loader = _Loader(context, now)
    created = 0
    numbered = enumerate(customers(context.customers, seed=context.seed))
    while batch := list(itertools.islice(numbered, BATCH)):
        if batch[0][0] >= STORY_CUSTOMERS:  # past the stories: plain rows, as fast as they come
            created += customer_bulk_create(
                workspace=context.workspace, rows=[row for _p, row in batch], via="system"
            )
            continue
        stories = {position: story for position, row in batch if (story := loader.story(position, row))}
        stored: list[tuple[Customer, CustomerStory]] = []
        for duplicate, run in _runs(batch):
            made = loader.duplicates(run) if duplicate else loader.people(run, stories)
            stored += [
                (customer, stories[p]) for customer, (p, _row) in zip(made, run, strict=True) if p in stories
            ]
            created += len(made)
        if stored:
            loader.extras(stored)
            loader.authors(stored)
    policy_holders = Customer.objects.filter(workspace=context.workspace).exclude(phone="").order_by("pk")[:2]
    for customer, policy in zip(policy_holders, DEMO_CONTACT_POLICIES, strict=False):
        customer_update(acting=context.owner, customer=customer, contact_policy=policy, via="system")
    found = duplicates_detect(workspace=context.workspace)
    context.say(
        f"customers: {created} ({loader.activities} activities, "
        f"{len(loader.definitions)} custom fields, {found['created']} possible duplicates to review)"
    )
