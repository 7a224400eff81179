"""What an invitation or its reminder says, on each channel, in the invitation's language.

Every channel gets a short text with the survey's link. E-mail also gets an HTML part whose first scale
question can be answered with one tap (one signed link per value). Texts are whole translated sentences.
"""

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from mehvar.surveys import links, scales
from mehvar.surveys.models import Invitation, Question
from mehvar.surveys.questions import questions_of


def _first_scale(invitation: Invitation) -> Question | None:
    for question in questions_of(invitation.survey):
        if scales.is_scale(question.type) and question.show_if_question_id is None:
            return question
    return None


def _name(invitation: Invitation) -> str:
    customer = invitation.customer
    return (customer.first_name or customer.display_name or "").strip()


def invitation_text(invitation: Invitation, *, reminder: bool) -> str:
    values = {
        "name": _name(invitation),
        "business": invitation.workspace.name,
        "title": invitation.survey.title(invitation.language),
        "link": links.absolute(links.survey_path(invitation)),
    }
    if reminder:
        return _("A reminder from %(business)s: %(title)s Your answer takes one tap: %(link)s") % values
    if values["name"]:
        return _("Hello %(name)s, %(business)s asks: %(title)s Answer with one tap: %(link)s") % values
    return _("Hello, %(business)s asks: %(title)s Answer with one tap: %(link)s") % values


def invitation_payload(invitation: Invitation, *, reminder: bool = False) -> dict[str, Any]:
    """The outbox payload (text, subject, html for e-mail) of the invitation or its reminder."""
    with translation.override(invitation.language):
        text = invitation_text(invitation, reminder=reminder)
        payload: dict[str, Any] = {
            "text": text,
            "subject": invitation.survey.title(invitation.language)[:200],
            "data": {"survey_invitation": invitation.pk, "reminder": reminder},
        }
        if invitation.channel.kind == "email":
            question = _first_scale(invitation)
            taps = []
            if question is not None:
                taps = [
                    (value, links.absolute(links.one_tap_path(invitation, question.pk, value)))
                    for value in scales.scale_values(question.type)
                ]
            payload["html"] = render_to_string(
                "surveys/email/invitation.html",
                {
                    "invitation": invitation,
                    "language": invitation.language,
                    "direction": "ltr" if invitation.language == "en" else "rtl",
                    "text": text,
                    "title": invitation.survey.title(invitation.language),
                    "intro": invitation.survey.intro(invitation.language),
                    "question": question.text(invitation.language) if question else "",
                    "taps": taps,
                    "link": links.absolute(links.survey_path(invitation)),
                },
            )
    return payload
