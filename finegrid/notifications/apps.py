from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "finegrid.notifications"
    label = "notifications"
    verbose_name = _("消息通知")

    def ready(self) -> None:
        from finegrid.notifications import tasks  # noqa: F401  (registers the tasks)
