from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "finegrid.geo"
    label = "geo"
    verbose_name = "地理"
