"""``{{ key|topic_name }}``: a feedback topic's name in the page's language."""

from django import template

from mehvar.feedback.topics import topic_label

register = template.Library()


@register.filter
def topic_name(key: str) -> str:
    return topic_label(str(key))
