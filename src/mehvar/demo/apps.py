from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "mehvar.demo"
    label = "demo"
