"""The worktime app: the working calendar and deadline arithmetic every other app uses."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorktimeConfig(AppConfig):
    name = "finegrid.worktime"
    label = "worktime"
    verbose_name = _("工作日历")
