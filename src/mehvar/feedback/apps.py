from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "mehvar.feedback"
    label = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        from mehvar.core.roles import Perm
        from mehvar.customers import merge_movers
        from mehvar.customers.timeline import register_kind
        from mehvar.feedback import customer_links
        from mehvar.web.navigation import NavItem, register

        register(
            NavItem("feedback:page", _("Customer feedback"), Perm.FEEDBACK_CORRECT, icon="chart", order=42)
        )
        # An imported review of an identified customer: one activity on their timeline (source
        # "review-import"); their reviews follow a merge of customers.
        register_kind("review", _("Review"), "chat")
        from mehvar.customers import erasers

        erasers.register("feedback_reviews", customer_links.reviews_erase)
        merge_movers.register(
            merge_movers.MergeMover(
                "feedback_reviews",
                move=customer_links.reviews_move,
                move_back=customer_links.reviews_move_back,
            )
        )
