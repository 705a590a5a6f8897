"""The screen's page and the JSON it polls; both only for the roles that run or watch the city.

The page embeds the first figures, so it shows numbers at once; screen.js then fetches the JSON
every REFRESH_SECONDS and redraws in place.
"""

from __future__ import annotations

from typing import Final

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from finegrid.geo.crs import CRS
from finegrid.org.models import User
from finegrid.org.roles import Role, roles_of
from finegrid.web.screen.figures import STATUS_GROUPS, scope_view, screen_data

#: Who may open the screen: the centre's leaders and duty staff, not departments or inspectors.
SCREEN_ROLES: Final = frozenset(
    {Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.SHIFT_LEADER, Role.DISPATCHER}
)
REFRESH_SECONDS: Final = 30


def _may_watch(user: object) -> bool:
    return isinstance(user, User) and user.is_active and bool(roles_of(user) & SCREEN_ROLES)


def _display_crs() -> CRS:
    return CRS(settings.FINEGRID_MAP_TILE_CRS)


@login_required
@never_cache
def screen(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _may_watch(user):
        raise PermissionDenied(_("指挥大屏仅供督查员、领导、值班长、派遣员和系统管理员使用"))
    assert isinstance(user, User)
    scope = scope_view(user=user, crs=_display_crs())
    return render(
        request,
        "web/screen.html",
        {
            "data": screen_data(user=user, now=timezone.now(), crs=_display_crs()),
            "scope": scope,
            # A leader's scope is the city itself, already named in the title.
            "scope_label": "、".join(n for n in scope.names if n != settings.FINEGRID_CITY_NAME),
            "city_name": settings.FINEGRID_CITY_NAME,
            "refresh_seconds": REFRESH_SECONDS,
            "tile_url": settings.FINEGRID_MAP_TILE_URL,
            "attribution": settings.FINEGRID_MAP_ATTRIBUTION,
            "status_groups": [(key, label) for key, label, _statuses in STATUS_GROUPS],
        },
    )


@never_cache
def screen_json(request: HttpRequest) -> JsonResponse:
    """The figures as JSON. A lapsed session answers 401 (not a redirect to the login page's
    HTML), so the wall display's script knows to reload and show the login form."""
    user = request.user
    if not user.is_authenticated:
        return JsonResponse(
            {"error": {"code": "login_required", "message": _("请先登录"), "field": None}},
            status=401,
        )
    if not _may_watch(user):
        return JsonResponse(
            {
                "error": {
                    "code": "forbidden",
                    "message": _("指挥大屏仅供督查员、领导、值班长、派遣员和系统管理员使用"),
                    "field": None,
                }
            },
            status=403,
        )
    assert isinstance(user, User)
    return JsonResponse(screen_data(user=user, now=timezone.now(), crs=_display_crs()))
