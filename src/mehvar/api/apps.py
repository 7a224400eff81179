from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "mehvar.api"
    label = "mehvar_api"
