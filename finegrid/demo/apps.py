from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "finegrid.demo"
    label = "demo"
    verbose_name = "示范城市"
