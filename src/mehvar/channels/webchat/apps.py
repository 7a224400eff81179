from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebchatAppConfig(AppConfig):
    """An app of its own only so that its static files (the widget) and templates are found."""

    name = "mehvar.channels.webchat"
    label = "webchat"
    verbose_name = _("Web chat")
