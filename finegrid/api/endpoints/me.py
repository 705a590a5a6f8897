"""The caller: who am I, my tasks, my tokens; and a trivial endpoint for health and benchmarks."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status as Reply

from finegrid.api import schemas as s
from finegrid.api.auth import SessionAuth, principal
from finegrid.api.errors import ApiError, forbidden, not_found
from finegrid.api.models import ApiToken
from finegrid.api.output import case_out, user_out, with_related
from finegrid.api.schemas import Id
from finegrid.api.tokens import issue_personal_token, personal_tokens, revoke_token
from finegrid.cases.access import AREA_ROLES, DEPARTMENT_ROLES, area_prefixes, visible_cases
from finegrid.cases.errors import InvalidInput
from finegrid.cases.workflow import OPEN, TRANSITIONS, Action, Status
from finegrid.org.roles import Role, roles_of

router = Router(tags=["me"])

#: Actions that are open to a role on every open case; they make no case anyone's task.
_EVERYWHERE = frozenset({Action.SUPERVISE, Action.APPROVE_OVERDUE_APPEAL, Action.CANCEL})


@router.get("/ping", response=s.Message, summary="连通性检查 Ping")
def ping(request: HttpRequest) -> dict[str, str]:
    return {"detail": "ok"}


@router.get("/me", response=s.UserOut, summary="当前用户 Who am I")
def me(request: HttpRequest) -> dict[str, Any]:
    return user_out(principal(request).require_user())


def _statuses_for(role: Role) -> set[Status]:
    return {
        status
        for (status, action), t in TRANSITIONS.items()
        if role in t.roles and action not in _EVERYWHERE
    }


@router.get("/me/tasks", response=list[s.CaseOut], summary="我的待办 My tasks, soonest first")
def tasks(request: HttpRequest, limit: int = 100) -> list[dict[str, Any]]:
    """Cases waiting for this user: in a status where one of their roles acts, and theirs to act on
    (their department's, their verification and check tasks, their areas')."""
    user = principal(request).require_user()
    roles = roles_of(user)
    condition = Q(pk__in=[])
    for role in roles:
        statuses = _statuses_for(role)
        if role == Role.INSPECTOR:
            condition |= Q(inspector=user, status__in=statuses)
        elif role in DEPARTMENT_ROLES and user.unit_id is not None:
            condition |= Q(department_id=user.unit_id, status__in=statuses)
        elif role in AREA_ROLES:
            in_area = Q(pk__in=[])
            for prefix in area_prefixes(user):
                in_area |= Q(area_code__startswith=prefix)
            condition |= in_area & Q(status__in=statuses)
    if Role.SUPERVISOR in roles or Role.LEADER in roles:
        from django.utils import timezone

        condition |= Q(status__in=list(OPEN), step_deadline__lt=timezone.now(), supervised=False)
    limit = max(1, min(limit, 500))
    rows = with_related(visible_cases(user).filter(condition)).order_by("step_deadline", "pk")[
        :limit
    ]
    return [case_out(c) for c in rows]


# --- personal tokens: managed from a logged-in session, never by another token ------------------


def _token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "kind": token.kind,
        "name": token.name,
        "prefix": token.prefix,
        "roles": token.roles,
        "read_only": token.read_only,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


@router.get("/me/tokens", response=list[s.TokenOut], summary="我的接口令牌 My API tokens")
def my_tokens(request: HttpRequest) -> list[dict[str, Any]]:
    return [_token_out(t) for t in personal_tokens(principal(request).require_user())]


@router.post(
    "/me/tokens",
    response={201: s.TokenCreated},
    auth=SessionAuth(),
    summary="创建个人令牌 Create a personal token (from a logged-in session)",
)
def create_token(request: HttpRequest, payload: s.TokenIn) -> Reply[dict[str, Any]]:
    user = principal(request).require_user()
    try:
        roles = [Role(r) for r in payload.roles]
    except ValueError:
        raise InvalidInput("roles", _("岗位代码不存在")) from None
    token, secret = issue_personal_token(
        user=user,
        name=payload.name,
        roles=roles,
        read_only=payload.read_only,
        expires_at=payload.expires_at,
    )
    return Reply(201, {**_token_out(token), "secret": secret})


@router.delete(
    "/me/tokens/{token_id}",
    response={204: None},
    auth=SessionAuth(),
    summary="吊销个人令牌 Revoke a personal token",
)
def delete_token(request: HttpRequest, token_id: Id) -> Reply[None]:
    user = principal(request).require_user()
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise not_found(_("令牌不存在"))
    revoke_token(token=token, by=user)
    return Reply(204, None)


__all__ = ["ApiError", "forbidden", "router"]
