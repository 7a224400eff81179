from mehvar.surveys.models.recovery import OwnerReason, RecoveryReason, RecoveryStatus, RecoveryTask
from mehvar.surveys.models.responses import Answer, Invitation, Origin, Response
from mehvar.surveys.models.surveys import (
    ConditionOp,
    Question,
    QuestionType,
    Survey,
    SurveyKind,
    SurveySettings,
    Trigger,
)

__all__ = [
    "Answer",
    "ConditionOp",
    "Invitation",
    "Origin",
    "OwnerReason",
    "Question",
    "QuestionType",
    "RecoveryReason",
    "RecoveryStatus",
    "RecoveryTask",
    "Response",
    "Survey",
    "SurveyKind",
    "SurveySettings",
    "Trigger",
]
