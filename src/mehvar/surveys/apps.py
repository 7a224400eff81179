from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "mehvar.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from mehvar.core.roles import Perm
        from mehvar.customers.timeline import register_kind
        from mehvar.web.navigation import NavItem, register

        register(NavItem("surveys:list", _("Surveys"), Perm.SURVEYS_MANAGE, icon="chart", order=40))
        register(NavItem("surveys:recovery", _("Recovery tasks"), Perm.RECOVERY_WORK, icon="alert", order=15))
        register(NavItem("surveys:reports", _("Survey reports"), Perm.REPORTS_VIEW, icon="chart", order=41))
        # The customers app already declares "survey_response"; registering it here keeps the label and icon
        # next to the code that writes it. "survey_recovery" marks a closed loop on the timeline.
        register_kind("survey_response", _("Survey response"), "star")
        register_kind("survey_recovery", _("Recovery after feedback"), "check")
        self._register_customer_links()
        self._forget_recovery_context_on_change()

    @staticmethod
    def _forget_recovery_context_on_change() -> None:
        """A change to what ``recovery_context`` keeps drops it in this process at once."""
        from django.db.models.signals import post_delete, post_save

        from mehvar.conversations.models import CannedReply
        from mehvar.core.models import BusinessHours, DayOff, Workspace
        from mehvar.surveys.models import SurveySettings
        from mehvar.surveys.recovery_context import forget_on_change

        for model in (SurveySettings, BusinessHours, DayOff, CannedReply, Workspace):
            uid = f"recovery-context-{model.__name__}"
            post_save.connect(forget_on_change, sender=model, dispatch_uid=uid)
            post_delete.connect(forget_on_change, sender=model, dispatch_uid=uid)

    @staticmethod
    def _register_customer_links() -> None:
        """Invitations, responses and recovery tasks follow a customer merge (and its undo); the Customer 360
        page shows the customer's feedback (panel slot "surveys")."""
        from mehvar.customers import erasers, merge_movers, panels
        from mehvar.surveys import customer_links, customer_panel

        erasers.register("surveys", customer_links.survey_rows_erase)
        merge_movers.register(
            merge_movers.MergeMover(
                "surveys",
                move=customer_links.survey_rows_move,
                move_back=customer_links.survey_rows_move_back,
            )
        )
        panels.register(
            panels.CustomerPanel(
                "surveys", "surveys/customer/_feedback_panel.html", customer_panel.feedback_panel
            )
        )
