"""The rankings pages, mounted at /rankings/."""

from django.urls import URLPattern, path

from finegrid.web.rankings import runs, views

urlpatterns: list[URLPattern] = [
    path("", views.ranking, name="rankings"),
    path("compare/", views.compare, name="rankings-compare"),
    path("runs/compute", runs.compute, name="rankings-compute"),
    path("runs/adjust", runs.adjust, name="rankings-adjust"),
    path("runs/<int:run_id>/publish", runs.publish, name="rankings-publish"),
    path("runs/<int:run_id>/correct", runs.correct, name="rankings-correct"),
    path(
        "runs/<int:run_id>/<str:kind>/<int:subject_id>/<str:expression>/",
        views.cases,
        name="rankings-cases",
    ),
    path("<str:period>/bulletin.<str:fmt>", views.bulletin, name="rankings-bulletin"),
    path(
        "<slug:scheme>/<str:period>/<str:kind>/<int:subject_id>/",
        views.subject,
        name="rankings-subject",
    ),
]
