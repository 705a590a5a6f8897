from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "finegrid.catalogue"
    label = "catalogue"
    verbose_name = "部件事项目录"
