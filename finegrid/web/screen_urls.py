"""The command-centre screen, mounted at /screen/."""

from django.urls import URLPattern, path

from finegrid.web.screen import views

urlpatterns: list[URLPattern] = [
    path("", views.screen, name="screen"),
    path("data", views.screen_json, name="screen-data"),
]
