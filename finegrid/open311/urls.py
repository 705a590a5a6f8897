"""GeoReport v2 at /open311/v2/: each endpoint in .json and .xml (any other extension is a 404).

`request/{id}` (singular) is accepted beside `requests/{id}` because the spec's OpenAPI text
spells it so while its wiki and clients use the plural.
"""

from django.urls import URLPattern, re_path

from finegrid.open311 import views

app_name = "open311"

_FORMAT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})$"

urlpatterns: list[URLPattern] = [
    re_path(rf"^discovery{_FORMAT}", views.discovery, name="discovery"),
    re_path(rf"^services{_FORMAT}", views.service_list, name="services"),
    re_path(
        rf"^services/(?P<service_code>[^/]{{1,100}}?){_FORMAT}",
        views.service_definition,
        name="service",
    ),
    re_path(rf"^requests{_FORMAT}", views.request_list, name="requests"),
    re_path(
        rf"^requests?/(?P<request_id>[^/]{{1,100}}?){_FORMAT}", views.request_detail, name="request"
    ),
    re_path(rf"^tokens/(?P<token>[^/]{{1,100}}?){_FORMAT}", views.token_detail, name="token"),
    re_path(r"^media/(?P<attachment_id>\d{1,18})\.(?P<ext>[a-z]{3,4})$", views.media, name="media"),
]
