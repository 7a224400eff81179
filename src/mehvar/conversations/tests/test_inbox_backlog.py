"""The CX leader's backlog: open conversations by age bucket per team and agent, the list under it, bulk
reassignment (all or nothing), who may use it, and bad input."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from mehvar.conversations import backlog, services
from mehvar.conversations.models import Conversation, Event, Team
from mehvar.conversations.tests.inbox_helpers import HX, receive, sms_channel, url
from mehvar.core.models import AuditEntry
from mehvar.testing import login

pytestmark = pytest.mark.django_db
AGES = [
    dt.timedelta(minutes=10),
    dt.timedelta(hours=2),
    dt.timedelta(hours=10),
    dt.timedelta(days=2),
    dt.timedelta(days=5),
]


@pytest.fixture
def board(tenants):
    """One open conversation in each age bucket; the older ones with the agent in the team, one resolved."""
    channel = sms_channel(tenants.ws_a)
    team = Team.objects.create(workspace=tenants.ws_a, name="ارسال")
    now = timezone.now()
    rows = []
    for i, age in enumerate(AGES):
        conversation = receive(channel, phone=f"0912000000{i}").conversation
        Conversation.objects.filter(pk=conversation.pk).update(created_at=now - age)
        rows.append(conversation)
    for conversation in rows[2:]:
        services.conversation_assign(
            conversation=conversation, assignee=tenants.agent_a, acting=tenants.owner_a, team=team
        )
    done = receive(channel, phone="09129999999").conversation
    services.conversation_status_set(conversation=done, status="resolved", acting=tenants.owner_a)
    return rows, team, done


def test_the_matrix_counts_open_conversations_by_age_team_and_agent(tenants, board):
    _rows, team, _done = board
    members = {m.pk: m for m in [tenants.agent_a]}
    sections, totals, grand = backlog.backlog_matrix(
        workspace=tenants.ws_a, teams={team.pk: team}, members=members
    )
    assert grand == 5 and totals == [1, 1, 1, 1, 1]
    by_team = {s.team: s for s in sections}
    assert by_team[team].counts == [0, 0, 1, 1, 1] and by_team[team].total == 3
    assert by_team[None].counts == [1, 1, 0, 0, 0]
    ((member, row),) = by_team[team].rows
    assert member == tenants.agent_a and row.cells == [
        ("h1", 0),
        ("h4", 0),
        ("h24", 1),
        ("d3", 1),
        ("old", 1),
    ]
    ((nobody, unassigned),) = by_team[None].rows
    assert nobody is None and unassigned.assignee_id is None


def test_bucket_edges():
    now = timezone.now()
    for key, _label, young, old in backlog.BUCKETS:
        condition = backlog.bucket_q(key, now)
        assert condition is not None
    with pytest.raises(Exception) as error:
        backlog.bucket_q("ancient", now)
    assert "bucket" in error.value.message_dict


def test_the_page_shows_the_matrix_and_a_filtered_list(client, tenants, board):
    rows, team, done = board
    login(client, tenants.by_role["supervisor"])
    page = client.get(url("backlog"))
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count('data-testid="backlog-row"') == 2 and body.count('data-testid="backlog-team"') == 2
    assert body.count('data-testid="backlog-conversation"') == 5
    assert f'value="{done.pk}"' not in body  # resolved: not in the backlog
    old = client.get(url("backlog", bucket="old"), HTTP_HX_TARGET="backlog-list", **HX).content.decode()
    assert "<html" not in old and old.count('data-testid="backlog-conversation"') == 1
    assert f'value="{rows[4].pk}"' in old
    mine = client.get(url("backlog", assignee=tenants.agent_a.pk, team=team.pk)).content.decode()
    assert mine.count('data-testid="backlog-conversation"') == 3
    nobody = client.get(url("backlog", assignee="none", team="none")).content.decode()
    assert nobody.count('data-testid="backlog-conversation"') == 2
    # oldest first
    order = [int(n) for n in re.findall(r'name="ids" value="(\d+)"', body)]
    assert order == [rows[4].pk, rows[3].pk, rows[2].pk, rows[1].pk, rows[0].pk]


def test_bulk_reassign_moves_each_with_its_reason_and_audit(client, tenants, board):
    rows, team, _done = board
    supervisor = tenants.by_role["supervisor"]
    login(client, supervisor)
    picked = [rows[0].pk, rows[3].pk]
    data = {"ids": picked, "assignee": supervisor.pk, "team": team.pk, "reason": "مرخصی", "query": ""}
    response = client.post(url("backlog_reassign"), data, **HX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="backlog-board"' in body and "flash-success" in body
    for conversation in Conversation.objects.filter(pk__in=picked):
        assert (conversation.assignee, conversation.team, conversation.assignment_reason) == (
            supervisor,
            team,
            "مرخصی",
        )
    assert Event.objects.filter(conversation_id__in=picked, kind="assigned", actor=supervisor).count() == 2
    assert (
        AuditEntry.objects.filter(
            workspace=tenants.ws_a, actor=supervisor.user, object_type="conversations.conversation"
        ).count()
        == 2
    )
    # keeping the team and giving back to nobody
    client.post(url("backlog_reassign"), {"ids": [rows[3].pk], "assignee": "none", "team": "keep"}, **HX)
    rows[3].refresh_from_db()
    assert rows[3].assignee is None and rows[3].team == team and "supervisor" in rows[3].assignment_reason


def test_bulk_reassign_is_all_or_nothing(client, tenants, board):
    rows, _team, _done = board
    foreign_channel = sms_channel(tenants.ws_b)
    foreign = receive(foreign_channel).conversation
    login(client, tenants.by_role["supervisor"])
    data = {"ids": [rows[0].pk, foreign.pk], "assignee": tenants.agent_a.pk, "team": "keep"}
    body = client.post(url("backlog_reassign"), data, **HX).content.decode()
    assert 'data-testid="ids-errors"' in body
    rows[0].refresh_from_db()
    foreign.refresh_from_db()
    assert rows[0].assignee is None and foreign.assignee is None


def test_bulk_reassign_errors_name_the_field(client, tenants, board):
    rows, _team, _done = board
    login(client, tenants.by_role["supervisor"])
    cases = [
        ({"assignee": tenants.agent_a.pk, "team": "keep"}, "ids"),
        ({"ids": ["x"], "assignee": tenants.agent_a.pk, "team": "keep"}, "ids"),
        ({"ids": [rows[0].pk], "team": "keep"}, "assignee"),
        ({"ids": [rows[0].pk], "assignee": "424242", "team": "keep"}, "assignee"),
        ({"ids": [rows[0].pk], "assignee": tenants.agent_a.pk, "team": "x"}, "team"),
    ]
    for data, field in cases:
        response = client.post(url("backlog_reassign"), data, **HX)
        assert response.status_code == 200, field
        body = response.content.decode()
        assert f'id="id_{field}_error"' in body or (field == "ids" and 'data-testid="ids-errors"' in body), (
            field
        )
    # without JavaScript: back to the page with the error as a flash message
    plain = client.post(url("backlog_reassign"), {"assignee": tenants.agent_a.pk})
    assert plain.status_code == 302
    assert "flash-error" in client.get(plain["Location"]).content.decode()
    assert client.get(url("backlog", bucket="ancient")).status_code == 200


def test_only_supervisors_and_up_use_the_backlog(client, tenants, board):
    rows, _team, _done = board
    for role, allowed in [
        ("owner", True),
        ("admin", True),
        ("supervisor", True),
        ("agent", False),
        ("analyst", False),
    ]:
        login(client, tenants.by_role[role])
        assert (client.get(url("backlog")).status_code == 200) == allowed, role
    login(client, tenants.agent_a)
    data = {"ids": [rows[0].pk], "assignee": tenants.agent_a.pk, "team": "keep"}
    assert client.post(url("backlog_reassign"), data).status_code == 403
    login(client, tenants.outsider_b)
    assert client.post(url("backlog_reassign"), data).status_code == 404
    rows[0].refresh_from_db()
    assert rows[0].assignee is None
