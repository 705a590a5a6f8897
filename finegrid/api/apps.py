from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "finegrid.api"
    label = "api"
    verbose_name = _("接口")

    def ready(self) -> None:
        from finegrid.api import tasks  # noqa: F401  (registers the tasks)
