"""The personal API token page: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from finegrid.api.models import ApiToken
from finegrid.api.tokens import issue_personal_token, personal_tokens, revoke_token
from finegrid.cases.errors import InvalidInput
from finegrid.org.models import User
from finegrid.org.roles import ROLE_LABELS, Role, roles_of


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("用途"), max_length=80)
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("限定岗位（不选则使用全部岗位）"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    read_only = forms.BooleanField(label=gettext_lazy("只读"), required=False)
    expires_at = forms.DateTimeField(
        label=gettext_lazy("过期时间（可不填）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        held = sorted(roles_of(user))
        self.fields["roles"].choices = [(r.value, ROLE_LABELS[r]) for r in held]  # type: ignore[attr-defined]


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    secret = None
    form = TokenForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = issue_personal_token(
                user=user,
                name=form.cleaned_data["name"],
                roles=[Role(r) for r in form.cleaned_data["roles"]],
                read_only=form.cleaned_data["read_only"],
                expires_at=form.cleaned_data["expires_at"],
            )
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            form = TokenForm(user=user)
    return render(
        request,
        "web/tokens.html",
        {"form": form, "secret": secret, "tokens": personal_tokens(user)},
        status=400 if request.method == "POST" and secret is None else 200,
    )


@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = _user(request)
    token = get_object_or_404(ApiToken, pk=token_id, user=user)
    revoke_token(token=token, by=user)
    messages.success(request, _("令牌“%(name)s”已吊销") % {"name": token.name})
    return redirect("tokens")
