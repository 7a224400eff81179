import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from mehvar.accounts.models import ApiToken
from mehvar.accounts.services import api_token_authenticate
from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.roles import Role
from mehvar.customers.models import Customer
from mehvar.demo.generator import DEMO_PASSWORD, DEMO_STAFF, customers
from mehvar.demo.registry import _STEPS, DemoContext, demo_step, demo_steps
from mehvar.demo.services import SMALL_CUSTOMERS

pytestmark = pytest.mark.django_db


def demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_load_small_creates_the_shop_with_every_role_and_customers():
    demo("load", "--small")

    workspace = Workspace.objects.get(slug="demo")
    roles = list(Membership.objects.filter(workspace=workspace).values_list("role", flat=True))
    assert sorted(roles) == sorted(person.role for person in DEMO_STAFF)
    assert set(roles) == set(Role.values)
    assert Customer.objects.filter(workspace=workspace).count() == SMALL_CUSTOMERS
    assert Customer.objects.filter(workspace=workspace, phone__startswith="+989").count() > 250
    for person in DEMO_STAFF:
        user = authenticate(email=person.email, password=DEMO_PASSWORD)
        assert user is not None and user.full_name == person.full_name
        assert user.is_staff == (person.role == Role.OWNER)  # the owner can see the operators' pages


def test_the_owners_api_token_is_printed_once_and_only_its_hash_is_kept():
    output = demo("load", "--small")

    secret = re.search(r"mhv_\S+", output).group(0)
    token = api_token_authenticate(secret=secret)
    assert token is not None and token.membership.role == Role.OWNER
    assert token.membership.user.email == "owner@demo.mehvar.ir"
    assert not ApiToken.objects.filter(token_hash=secret).exists()
    assert secret not in token.token_hash


def test_a_second_load_with_if_empty_adds_nothing():
    demo("load", "--small", "--if-empty")
    counts = (Customer.objects.count(), Membership.objects.count(), ApiToken.objects.count())

    output = demo("load", "--small", "--if-empty")

    assert "nothing loaded" in output and "mhv_" not in output
    assert (Customer.objects.count(), Membership.objects.count(), ApiToken.objects.count()) == counts
    assert Workspace.objects.filter(slug="demo").count() == 1


def test_loading_over_an_existing_demo_needs_a_choice():
    demo("load", "--customers", "20")

    with pytest.raises(CommandError, match="--if-empty"):
        demo("load", "--customers", "20")

    first_customer = Customer.objects.earliest("pk")
    demo("load", "--customers", "30", "--seed", "2", "--replace")
    assert Workspace.objects.filter(slug="demo").count() == 1
    assert Customer.objects.count() == 30
    assert not Customer.objects.filter(pk=first_customer.pk).exists()


def test_the_customers_are_the_generators_and_the_load_is_audited():
    demo("load", "--customers", "50", "--seed", "5")
    workspace = Workspace.objects.get(slug="demo")

    stored = (
        Customer.objects.filter(workspace=workspace).order_by("pk").values_list("first_name", "last_name")
    )
    assert list(stored) == [(row.first_name, row.last_name) for row in customers(50, seed=5)]
    created = AuditEntry.objects.filter(
        workspace=workspace, object_type="customers.customer", action="create"
    )
    assert created.count() == 1


def test_apps_add_their_own_steps_which_run_in_order():
    ran = []

    @demo_step(order=150, name="test.after_customers")
    def after_customers(context: DemoContext) -> None:
        ran.append(("after", Customer.objects.filter(workspace=context.workspace).count()))

    @demo_step(order=5, name="test.first")
    def first(context: DemoContext) -> None:
        ran.append(("first", Customer.objects.filter(workspace=context.workspace).count()))
        assert len(context.members[Role.AGENT]) == 3

    try:
        names = [step.name for step in demo_steps()]
        assert names.index("test.first") < names.index("customers") < names.index("test.after_customers")
        demo("load", "--customers", "10")
    finally:
        _STEPS.pop("test.after_customers")
        _STEPS.pop("test.first")

    assert ran == [("first", 0), ("after", 10)]


def test_logins_lists_one_login_per_role_with_the_password():
    output = demo("logins", "--url", "http://127.0.0.1:8123")

    assert "http://127.0.0.1:8123/" in output and DEMO_PASSWORD in output
    for person in DEMO_STAFF:
        assert person.email in output
    assert "mehvar token create" in output
