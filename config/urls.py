from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from finegrid.api.main import api

admin.site.site_header = "finegrid 城市运行管理服务平台"
admin.site.site_title = "finegrid"
admin.site.index_title = "系统管理"

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("open311/v2/", include("finegrid.open311.urls")),
    path("citizen/", include("finegrid.portal.urls")),
    path("", include("finegrid.web.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
