"""Staff pages: the landing workspace after login; later issues add each role's workspace."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from finegrid.org.models import User
from finegrid.org.roles import ROLE_LABELS, roles_of
from finegrid.org.selectors import scope_areas


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    roles = sorted(roles_of(user))
    return render(
        request,
        "web/home.html",
        {
            "roles": [ROLE_LABELS[r] for r in roles],
            "areas": scope_areas(user=user),
            "unit": user.unit,
        },
    )


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    return render(
        request,
        "web/account.html",
        {
            "roles": [ROLE_LABELS[r] for r in sorted(roles_of(user))],
            "areas": scope_areas(user=user),
            "changed": request.GET.get("changed") == "1",
        },
    )


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted without a valid CSRF token: say so in the user's language, not Django's."""
    return render(request, "403_csrf.html", status=403)
