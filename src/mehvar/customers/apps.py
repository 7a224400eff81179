from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "mehvar.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from mehvar.core.roles import Perm
        from mehvar.web.navigation import NavItem, register

        register(NavItem("customers:list", _("Customers"), Perm.CUSTOMERS_VIEW, icon="people", order=20))
