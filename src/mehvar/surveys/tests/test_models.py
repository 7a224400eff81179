"""The tables: tenant-first indexes and constraints; the unique constraints that make answers count once."""

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction

from mehvar.surveys.models import Answer, Response
from mehvar.surveys.tests.support import customer, invite, nps_survey, questions, sms_channel

pytestmark = pytest.mark.django_db


def survey_models():
    return list(apps.get_app_config("surveys").get_models())


def test_every_survey_table_belongs_to_a_workspace_and_its_indexes_start_with_it():
    assert len(survey_models()) >= 12
    for model in survey_models():
        field = model._meta.get_field("workspace")
        assert not field.null, model
        for index in model._meta.indexes:
            assert index.fields[0] == "workspace", f"{model.__name__}.{index.name}"
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint):
                assert constraint.fields[0] == "workspace", f"{model.__name__}.{constraint.name}"


def test_one_response_per_invitation_and_one_answer_per_question(tenants):
    sms_channel(tenants.ws_a)
    survey = nps_survey(tenants.owner_a)
    invitation = invite(survey, customer(tenants.owner_a))
    response = Response.objects.create(workspace=tenants.ws_a, survey=survey, invitation=invitation)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(workspace=tenants.ws_a, survey=survey, invitation=invitation)
    first = questions(survey)[0]
    Answer.objects.create(workspace=tenants.ws_a, response=response, question=first, value=9)
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(workspace=tenants.ws_a, response=response, question=first, value=3)
    # Anonymous responses point at no invitation: as many as there are answers.
    Response.objects.create(workspace=tenants.ws_a, survey=survey)
    Response.objects.create(workspace=tenants.ws_a, survey=survey)
    assert Response.objects.filter(survey=survey).count() == 3
