from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "mehvar.conversations"
    label = "conversations"
    verbose_name = _("Conversations")

    def ready(self) -> None:
        from mehvar.core.roles import Perm
        from mehvar.web.navigation import NavItem, register

        register(NavItem("inbox:queue", _("Inbox"), Perm.CONVERSATIONS_VIEW, icon="chat", order=10))
