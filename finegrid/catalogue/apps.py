"""The catalogue app: categories of parts and matters, filing rules, limits and the component inventory."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "finegrid.catalogue"
    label = "catalogue"
    verbose_name = _("部件事项目录")
