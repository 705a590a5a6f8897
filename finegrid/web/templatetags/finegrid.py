"""Template filters of the staff pages."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration_short(value: dt.timedelta | None) -> str:
    """A time left as people say it: "2天3小时", "45分钟" (the active language's words)."""
    if value is None:
        return ""
    seconds = abs(int(value.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)d天%(h)d小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d小时%(m)d分钟") % {"h": hours, "m": minutes}
    return _("%(m)d分钟") % {"m": minutes}


@register.filter
def role_label(value: str) -> str:
    """The name of a role as people say it (受理员), or 市民 for a citizen's own step."""
    from finegrid.cases.workflow import CITIZEN_ROLE
    from finegrid.org.roles import ROLE_LABELS, Role

    if value == CITIZEN_ROLE:
        return _("市民")
    try:
        return str(ROLE_LABELS[Role(value)])
    except ValueError:
        return value
