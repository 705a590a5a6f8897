"""The citizen portal under /citizen/: report, follow a report by its tracking code, the public map."""

from django.urls import URLPattern, path

from finegrid.portal import views

app_name = "portal"
urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("report", views.report, name="report"),
    path("reported/<str:code>", views.reported, name="reported"),
    path("track", views.track_form, name="track-form"),
    path("track/<str:code>", views.track, name="track"),
    path("track/<str:code>/rate", views.rate, name="rate"),
    path("track/<str:code>/not-fixed", views.not_fixed, name="not-fixed"),
    path("track/<str:code>/photos/<int:photo_id>", views.photo, name="photo"),
    path("map", views.map_page, name="map"),
    path("map/reports.geojson", views.map_reports, name="map-reports"),
    path("map/areas.geojson", views.map_areas, name="map-areas"),
    path("locate", views.locate, name="locate"),
]
