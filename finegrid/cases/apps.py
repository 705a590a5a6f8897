from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "finegrid.cases"
    label = "cases"
    verbose_name = _("案卷")

    def ready(self) -> None:
        from finegrid.cases import tasks  # noqa: F401  (registers the tasks)
