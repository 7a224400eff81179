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
        self._register_customer_links()

    @staticmethod
    def _register_customer_links() -> None:
        """Conversations follow a customer merge, are wiped by an erasure and show on the Customer 360 page
        (customers' registries)."""
        from mehvar.conversations import customer_links, erasure
        from mehvar.customers import erasers, merge_movers, panels

        erasers.register("conversations", erasure.conversations_erase)

        merge_movers.register(
            merge_movers.MergeMover(
                "conversations",
                move=customer_links.conversations_move,
                move_back=customer_links.conversations_move_back,
            )
        )
        panels.register(
            panels.CustomerPanel(
                "conversations",
                "conversations/_customer_conversations.html",
                customer_links.conversations_panel,
            )
        )
