"""``mehvar token create`` makes a working token; ``mehvar token revoke`` ends it."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from mehvar.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_create_prints_a_secret_that_works(tenants):
    secret, note = run("create", "--workspace", "shop-a", "--email", "Agent@A.test", "--name", "اسکریپت")
    assert secret.startswith("mhv_") and "\n" not in secret
    assert "mhv_" in note  # the prefix, to recognise it later
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert me.status_code == 200 and me.json()["email"] == "agent@a.test"
    token = ApiToken.objects.get(prefix=secret[:10])
    assert token.name == "اسکریپت" and token.membership == tenants.agent_a


@pytest.mark.parametrize(
    ("workspace", "email", "complaint"),
    [("no-such-shop", "owner@a.test", "no-such-shop"), ("shop-a", "outsider@b.test", "outsider@b.test")],
)
def test_create_explains_unknown_workspace_or_member(tenants, workspace, email, complaint):
    before = ApiToken.objects.count()
    with pytest.raises(CommandError, match=complaint):
        run("create", "--workspace", workspace, "--email", email)
    assert ApiToken.objects.count() == before


def test_revoke_by_prefix(tenants):
    secret, _ = run("create", "--workspace", "shop-a", "--email", "owner@a.test")
    out, _ = run("revoke", "--prefix", secret[:10])
    assert secret[:10] in out
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    with pytest.raises(CommandError):
        run("revoke", "--prefix", secret[:10])
