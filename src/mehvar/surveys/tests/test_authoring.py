"""Writing surveys and questions: defaults per kind, validation naming the field, one active survey per
trigger, who may, and what an answered question keeps."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from mehvar.core.models import AuditEntry
from mehvar.surveys import authoring
from mehvar.surveys import questions as question_services
from mehvar.surveys.models import Answer, Question, Response
from mehvar.surveys.tests.support import nps_survey, questions

pytestmark = pytest.mark.django_db


def test_an_nps_survey_starts_with_the_question_and_follow_ups_for_low_and_high_scores(tenants):
    survey = nps_survey(tenants.owner_a)
    main, low, high = questions(survey)
    assert (main.type, main.required, main.show_if_question_id) == ("nps", True, None)
    assert (low.type, low.show_if_question_id, low.show_if_op, low.show_if_value) == (
        "text",
        main.pk,
        "lte",
        6,
    )
    assert (high.show_if_question_id, high.show_if_op, high.show_if_value) == (main.pk, "gte", 7)
    assert AuditEntry.objects.filter(workspace=tenants.ws_a, object_type="surveys.survey").count() == 1


def test_csat_ces_and_enps_defaults(tenants):
    csat = authoring.survey_create(acting=tenants.owner_a, kind="csat", title_fa="رضایت")
    assert [q.type for q in questions(csat)] == ["csat", "text"]
    ces = authoring.survey_create(acting=tenants.owner_a, kind="ces", title_fa="آسانی")
    assert [q.type for q in questions(ces)] == ["ces", "text"]
    enps = authoring.survey_create(acting=tenants.owner_a, kind="enps", title_fa="کار در این‌جا")
    assert enps.anonymous is True
    with pytest.raises(ValidationError) as error:
        authoring.survey_create(acting=tenants.owner_a, kind="enps", title_fa="x", trigger="delivery")
    assert "trigger" in error.value.message_dict


def test_errors_name_the_field_in_the_active_language(tenants):
    with translation.override("fa"):
        label = str(authoring._field_labels()["title_fa"])
        with pytest.raises(ValidationError) as error:
            authoring.survey_create(acting=tenants.owner_a, kind="nps", title_fa="  ", throttle_days="x")
    messages = error.value.message_dict
    assert set(messages) == {"title_fa", "throttle_days"}
    assert label in messages["title_fa"][0]


@pytest.mark.parametrize(
    ("question", "problem"),
    [
        ({"type": "single", "text_fa": "کدام؟", "choices": [{"fa": "یک"}]}, "at least two"),
        ({"type": "nope", "text_fa": "؟"}, "type"),
        ({"type": "text", "text_fa": ""}, "write it"),
        (
            {"type": "text", "text_fa": "چرا؟", "show_if": {"question": 0, "op": "lte", "value": 11}},
            "0 to 10",
        ),
        (
            {"type": "text", "text_fa": "چرا؟", "show_if": {"question": 5, "op": "lte", "value": 3}},
            "earlier question",
        ),
    ],
)
def test_bad_questions_are_refused_naming_the_question(tenants, question, problem):
    first = {"type": "nps", "text_fa": "پیشنهاد می‌کنید؟"}
    with translation.override("en"), pytest.raises(ValidationError) as error:
        authoring.survey_create(
            acting=tenants.owner_a, kind="custom", title_fa="س", questions=[first, question]
        )
    [message] = error.value.message_dict["questions"]
    assert message.startswith("Question 2") and problem in message


def test_choice_questions_and_conditions_on_choices(tenants):
    survey = authoring.survey_create(
        acting=tenants.owner_a,
        kind="custom",
        title_fa="خرید",
        questions=[
            {
                "type": "single",
                "text_fa": "چطور بود؟",
                "choices": ["خوب", {"fa": "بد", "en": "Bad", "key": "bad"}],
            },
            {
                "type": "multiple",
                "text_fa": "چه چیزی؟",
                "choices": ["ارسال", "قیمت", "کیفیت"],
                "show_if": {"question": 0, "op": "eq", "value": "bad"},
            },
        ],
    )
    first, second = questions(survey)
    assert first.choices == [{"key": "c1", "fa": "خوب", "en": ""}, {"key": "bad", "fa": "بد", "en": "Bad"}]
    assert (second.show_if_question_id, second.show_if_value) == (first.pk, ["bad"])


def test_one_active_survey_per_trigger_and_a_question_before_turning_on(tenants):
    first = nps_survey(tenants.owner_a)
    with pytest.raises(ValidationError) as error:
        nps_survey(tenants.owner_a)
    assert error.value.error_dict["active"][0].code == "trigger_taken"
    second = nps_survey(tenants.owner_a, active=False)
    authoring.survey_update(acting=tenants.owner_a, survey=first, active=False)
    authoring.survey_update(acting=tenants.owner_a, survey=second, active=True)
    empty = authoring.survey_create(acting=tenants.owner_a, kind="custom", title_fa="خالی", questions=[])
    with pytest.raises(ValidationError) as error:
        authoring.survey_update(acting=tenants.owner_a, survey=empty, active=True)
    assert error.value.error_dict["active"][0].code == "no_questions"


def test_who_may_write_surveys(tenants):
    with pytest.raises(PermissionDenied):
        nps_survey(tenants.agent_a)
    assert nps_survey(tenants.by_role["marketer"], active=False).pk
    survey = nps_survey(tenants.owner_a, active=False)
    with pytest.raises(PermissionDenied):
        authoring.survey_update(acting=tenants.outsider_b, survey=survey, title_fa="x")


def test_questions_add_move_change_and_remove(tenants):
    survey = nps_survey(tenants.owner_a, active=False)
    main, low, high = questions(survey)
    added = question_services.question_add(
        acting=tenants.owner_a,
        survey=survey,
        data={"type": "rating", "text_fa": "به بسته‌بندی چه امتیازی می‌دهید؟"},
    )
    assert questions(survey)[-1] == added
    question_services.question_move(acting=tenants.owner_a, question=added, up=True)
    assert [q.pk for q in questions(survey)] == [main.pk, low.pk, added.pk, high.pk]
    with pytest.raises(ValidationError):  # a follow-up never moves above its question
        question_services.question_move(acting=tenants.owner_a, question=low, up=True)
    # An answered question keeps its type and stays in the database when removed.
    response = Response.objects.create(workspace=tenants.ws_a, survey=survey)
    Answer.objects.create(workspace=tenants.ws_a, response=response, question=main, value=4)
    with pytest.raises(ValidationError):
        question_services.question_update(
            acting=tenants.owner_a, question=main, data={"type": "csat", "text_fa": "راضی؟"}
        )
    question_services.question_update(
        acting=tenants.owner_a, question=main, data={"type": "nps", "text_fa": "ما را پیشنهاد می‌کنید؟"}
    )
    question_services.question_remove(acting=tenants.owner_a, question=main)
    main.refresh_from_db()
    assert main.removed_at is not None and main.text_fa == "ما را پیشنهاد می‌کنید؟"
    low.refresh_from_db()
    assert low.show_if_question_id is None  # its condition went with it
    question_services.question_remove(acting=tenants.owner_a, question=added)
    assert not Question.objects.filter(pk=added.pk).exists()


def test_settings_update_checks_values(tenants):
    settings = authoring.survey_settings_update(acting=tenants.owner_a, throttle_days=45)
    assert settings.throttle_days == 45
    with pytest.raises(ValidationError) as error:
        authoring.survey_settings_update(acting=tenants.owner_a, expiry_days=0)
    assert "expiry_days" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        authoring.survey_settings_update(acting=tenants.agent_a, throttle_days=1)
