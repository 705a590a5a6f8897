from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "finegrid.evaluation"
    label = "evaluation"
    verbose_name = _("考核评价")

    def ready(self) -> None:
        from finegrid.evaluation import tasks  # noqa: F401  (registers the tasks)
