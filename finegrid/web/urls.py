from django.contrib.auth import views as auth_views
from django.urls import path

from finegrid.web import map_views, token_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("account/tokens/", token_views.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/revoke", token_views.revoke, name="token-revoke"),
    path("map/", map_views.map_page, name="map"),
    path("map/areas.geojson", map_views.map_areas, name="map-areas"),
    path("map/grids.geojson", map_views.map_grids, name="map-grids"),
    path("map/locate", map_views.map_locate, name="map-locate"),
]
