from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "mehvar.ops"
    label = "ops"
