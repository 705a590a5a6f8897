from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "finegrid.campaigns"
    label = "campaigns"
    verbose_name = _("专项行动")

    def ready(self) -> None:
        from finegrid.campaigns import tasks  # noqa: F401  (registers the tasks)
        from finegrid.campaigns.scores import register_measures

        register_measures()
