from mehvar.surveys.models.pulses import PulseInvitation, PulseResponse
from mehvar.surveys.models.recovery import OwnerReason, RecoveryReason, RecoveryStatus, RecoveryTask
from mehvar.surveys.models.reports import Dimension, InvitationMonth, ScoreMonth, TopicMonth
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
    "Dimension",
    "Invitation",
    "InvitationMonth",
    "Origin",
    "OwnerReason",
    "PulseInvitation",
    "PulseResponse",
    "Question",
    "QuestionType",
    "RecoveryReason",
    "RecoveryStatus",
    "RecoveryTask",
    "Response",
    "ScoreMonth",
    "Survey",
    "SurveyKind",
    "SurveySettings",
    "TopicMonth",
    "Trigger",
]
