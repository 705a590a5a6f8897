"""What every staff page's top bar needs: the workspaces this user's roles open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from finegrid.campaigns.access import CAMPAIGN_ROLES
from finegrid.cases.access import DEPARTMENT_ROLES
from finegrid.evaluation.access import RANKING_ROLES
from finegrid.org.models import User
from finegrid.org.roles import Role, roles_of
from finegrid.web.console import CONSOLE_ACCESS
from finegrid.web.screen.views import SCREEN_ROLES
from finegrid.web.workspaces import SUPERVISION_ROLES

#: (url name, label, roles that use it); the order is the top bar's. The role sets are the ones
#: each workspace itself admits, so the bar never offers a page that would answer 403.
WORKSPACES: list[tuple[str, Any, frozenset[Role]]] = [
    ("inspector-home", _("巡查"), frozenset({Role.INSPECTOR})),
    ("console", _("受理派遣台"), CONSOLE_ACCESS),
    ("department", _("部门工作台"), DEPARTMENT_ROLES),
    ("supervision", _("督办"), SUPERVISION_ROLES),
    ("screen", _("指挥大屏"), SCREEN_ROLES),
    ("rankings", _("考核排名"), RANKING_ROLES),
    ("campaigns", _("专项行动"), CAMPAIGN_ROLES),
]


def workspaces(request: HttpRequest) -> dict[str, Any]:
    from django.conf import settings

    tiles = {
        "tile_url": settings.FINEGRID_MAP_TILE_URL,
        "tile_crs": settings.FINEGRID_MAP_TILE_CRS,
        "tile_attribution": settings.FINEGRID_MAP_ATTRIBUTION,
    }
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {"workspaces": [], **tiles}
    held = roles_of(user)
    links = []
    for name, label, roles in WORKSPACES:
        if held & roles:
            try:
                links.append({"url": reverse(name), "label": label, "name": name})
            except NoReverseMatch:  # a workspace not installed in this deployment
                continue
    return {"workspaces": links, **tiles}
