from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "mehvar.web"
    label = "web"
