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
        # The customers app already declares "survey_response"; registering it here keeps the label and icon
        # next to the code that writes it. "survey_recovery" marks a closed loop on the timeline.
        register_kind("survey_response", _("Survey response"), "star")
        register_kind("survey_recovery", _("Recovery after feedback"), "check")
        self._register_customer_links()

    @staticmethod
    def _register_customer_links() -> None:
        """Invitations, responses and recovery tasks follow a customer merge (and its undo)."""
        from mehvar.customers import merge_movers
        from mehvar.surveys import customer_links

        merge_movers.register(
            merge_movers.MergeMover(
                "surveys",
                move=customer_links.survey_rows_move,
                move_back=customer_links.survey_rows_move_back,
            )
        )
