"""Survey rows follow a Customer 360 merge, and exactly those go back on undo."""

import pytest
import time_machine

from mehvar.customers.merging import customer_merge, merge_undo
from mehvar.surveys.models import Invitation, RecoveryTask, Response
from mehvar.surveys.responses import answer_one_tap
from mehvar.surveys.tests.support import customer, invite, nps_survey, questions, reload, sms_channel, tehran

pytestmark = pytest.mark.django_db


def test_invitations_responses_and_tasks_follow_a_merge_and_its_undo(tenants):
    with time_machine.travel(tehran(), tick=True):
        sms_channel(tenants.ws_a)
        survey = nps_survey(tenants.owner_a, trigger="manual")
        survivor = customer(tenants.owner_a, first_name="علی")
        merged = customer(tenants.owner_a, first_name="علي")
        invitation = reload(invite(survey, merged, now=tehran()))
        answer_one_tap(invitation=invitation, question=questions(survey)[0], raw_value="1")
        merge = customer_merge(acting=tenants.owner_a, survivor=survivor, merged=merged)
        for model in (Invitation, Response, RecoveryTask):
            assert model.objects.get().customer_id == survivor.pk, model
        merge_undo(acting=tenants.owner_a, merge=merge)
        for model in (Invitation, Response, RecoveryTask):
            assert model.objects.get().customer_id == merged.pk, model
