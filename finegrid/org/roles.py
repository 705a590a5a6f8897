"""The staff roles as Django groups, and the permissions each one holds.

Views and actions ask `user.has_perm(...)`; nothing compares role names. Later apps add their
permissions to ROLE_PERMISSIONS, and `sync_role_groups` (run after every migrate) applies the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    INSPECTOR = "inspector"
    RECEPTIONIST = "receptionist"
    SHIFT_LEADER = "shift_leader"
    DISPATCHER = "dispatcher"
    HANDLER = "handler"
    DEPARTMENT_ADMIN = "department_admin"
    SUPERVISOR = "supervisor"
    LEADER = "leader"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS: Final[Mapping[Role, object]] = {
    Role.INSPECTOR: _("监督员"),
    Role.RECEPTIONIST: _("受理员"),
    Role.SHIFT_LEADER: _("值班长"),
    Role.DISPATCHER: _("派遣员"),
    Role.HANDLER: _("处置人员"),
    Role.DEPARTMENT_ADMIN: _("部门管理员"),
    Role.SUPERVISOR: _("督查员"),
    Role.LEADER: _("领导"),
    Role.ADMIN: _("系统管理员"),
}

# Group names are the Chinese role names the admin shows; the mapping back is by this table.
GROUP_NAMES: Final[Mapping[Role, str]] = {
    Role.INSPECTOR: "监督员",
    Role.RECEPTIONIST: "受理员",
    Role.SHIFT_LEADER: "值班长",
    Role.DISPATCHER: "派遣员",
    Role.HANDLER: "处置人员",
    Role.DEPARTMENT_ADMIN: "部门管理员",
    Role.SUPERVISOR: "督查员",
    Role.LEADER: "领导",
    Role.ADMIN: "系统管理员",
}

_VIEW_REFERENCE: Final = frozenset(
    {
        "geo.view_area",
        "geo.view_grid",
        "org.view_unit",
        "org.view_departmenttype",
        "catalogue.view_category",
        "catalogue.view_filingrule",
        "catalogue.view_component",
        "worktime.view_calendarday",
    }
)

_ADMIN_MODELS: Final = (
    ("geo", ("area",)),
    ("geo", ("grid",)),
    ("org", ("unit", "departmenttype", "user")),
    (
        "catalogue",
        (
            "majorclass",
            "category",
            "filingrule",
            "filingrulelimit",
            "legacycategory",
            "component",
            "actiontag",
        ),
    ),
    ("worktime", ("calendarday", "calendaryear", "workschedule")),
    ("cases", ("steplimit",)),
    ("dispatch", ("routingrule",)),
    ("evaluation", ("indicator", "scheme", "schemeitem", "adjustment")),
)
_ADMIN: Final = frozenset(
    f"{app}.{verb}_{model}"
    for app, models in _ADMIN_MODELS
    for model in models
    for verb in ("view", "add", "change", "delete")
) | frozenset(
    {
        "auth.view_group",
        "auth.change_group",
        "cases.view_case",
        "cases.view_caseevent",
        "cases.view_caseattachment",
        "core.view_job",
        "notifications.view_message",
        "evaluation.view_run",
        "evaluation.view_snapshot",
        "evaluation.view_bulletin",
        "campaigns.view_plan",
        "campaigns.view_task",
        "campaigns.view_taskevent",
        "campaigns.view_supervisionnotice",
        "campaigns.view_acceptancerequest",
        "campaigns.view_sitetype",
        "campaigns.view_site",
        "campaigns.view_inspectiontemplate",
        "campaigns.view_templateitem",
        "campaigns.view_inspectionround",
        "campaigns.view_indextree",
        "campaigns.view_indexnode",
    }
)

ROLE_PERMISSIONS: Final[Mapping[Role, frozenset[str]]] = {
    Role.INSPECTOR: _VIEW_REFERENCE,
    # Receptionists call citizens back; nobody else needs a citizen's name and phone.
    Role.RECEPTIONIST: _VIEW_REFERENCE | frozenset({"cases.view_citizen_contact"}),
    Role.SHIFT_LEADER: _VIEW_REFERENCE,
    Role.DISPATCHER: _VIEW_REFERENCE,
    Role.HANDLER: _VIEW_REFERENCE,
    Role.DEPARTMENT_ADMIN: _VIEW_REFERENCE
    | frozenset({"org.view_user", "catalogue.change_component", "catalogue.add_component"}),
    Role.SUPERVISOR: _VIEW_REFERENCE | frozenset({"org.view_user"}),
    Role.LEADER: _VIEW_REFERENCE | frozenset({"org.view_user"}),
    Role.ADMIN: _ADMIN,
}

#: Roles whose members may open the Django admin (is_staff is kept in step with this).
ADMIN_SITE_ROLES: Final = frozenset({Role.ADMIN, Role.DEPARTMENT_ADMIN})


def _permission(dotted: str) -> Permission | None:
    app_label, codename = dotted.split(".", 1)
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


def sync_role_groups() -> dict[Role, int]:
    """Make every role's group hold exactly its permissions; returns how many each got.

    Permissions of apps not installed yet are skipped, so the table may name later apps' rows.
    """
    counts: dict[Role, int] = {}
    with transaction.atomic():
        for role, dotted_names in ROLE_PERMISSIONS.items():
            group, _created = Group.objects.get_or_create(name=GROUP_NAMES[role])
            permissions = [
                p for p in (_permission(d) for d in sorted(dotted_names)) if p is not None
            ]
            group.permissions.set(permissions)
            counts[role] = len(permissions)
    return counts


def group_for(role: Role) -> Group:
    return Group.objects.get(name=GROUP_NAMES[role])


def roles_of(user: object) -> frozenset[Role]:
    """The roles a user holds, read from their groups."""
    names = {name: role for role, name in GROUP_NAMES.items()}
    groups = getattr(user, "groups", None)
    if groups is None:
        return frozenset()
    held = frozenset(names[n] for n in groups.values_list("name", flat=True) if n in names)
    # A personal API token may act with fewer roles than its owner holds (see finegrid.api).
    limit: frozenset[Role] | None = getattr(user, "role_limit", None)
    return held & limit if limit is not None else held
