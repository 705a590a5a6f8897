from django.contrib.auth import views as auth_views
from django.urls import include, path

from finegrid.web import case_views, console, map_views, token_views, views, workspaces

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("account/", views.account, name="account"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="web/password_change.html", success_url="/account/?changed=1"
        ),
        name="password_change",
    ),
    path("account/tokens/", token_views.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/revoke", token_views.revoke, name="token-revoke"),
    path("console/", console.console, name="console"),
    path("console/dispatch", console.bulk_dispatch, name="console-bulk-dispatch"),
    path("department/", workspaces.department, name="department"),
    path("supervision/", workspaces.supervision, name="supervision"),
    path("cases/<int:case_id>/", case_views.case_page, name="case"),
    path("cases/<int:case_id>/act/<str:action>", case_views.act, name="case-act"),
    path(
        "cases/<int:case_id>/photos/<int:attachment_id>",
        case_views.case_photo,
        name="case-photo",
    ),
    path("m/", include("finegrid.web.inspector_urls")),
    path("screen/", include("finegrid.web.screen_urls")),
    path("rankings/", include("finegrid.web.rankings.urls")),
    path("campaigns/", include("finegrid.web.campaigns.urls")),
    path("map/", map_views.map_page, name="map"),
    path("map/areas.geojson", map_views.map_areas, name="map-areas"),
    path("map/grids.geojson", map_views.map_grids, name="map-grids"),
    path("map/locate", map_views.map_locate, name="map-locate"),
]
