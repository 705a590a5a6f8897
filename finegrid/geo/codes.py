"""The shape of the codes areas and grids carry (GB/T 2260 / statistical codes, 15-digit grid codes)."""

from __future__ import annotations

from django.utils.translation import gettext as _


class CodeError(ValueError):
    """A code that breaks the coding rule; the message says which rule, in the user's language."""


def grid_code(community_code: str, serial: int) -> str:
    """15 digits: 6 district + 3 street + 3 community + 3 serial."""
    if len(community_code) != 12 or not community_code.isdigit():
        raise CodeError(_("社区代码应为12位数字：%(code)s") % {"code": community_code})
    if not 1 <= serial <= 999:
        raise CodeError(_("网格顺序码应在001到999之间：%(serial)d") % {"serial": serial})
    return f"{community_code}{serial:03d}"


def validate_grid_code(code: str, *, community_code: str | None = None) -> None:
    if len(code) != 15 or not code.isdigit():
        raise CodeError(_("网格编码应为15位数字：%(code)s") % {"code": code})
    if code.endswith("000"):
        raise CodeError(_("网格顺序码不能为000：%(code)s") % {"code": code})
    if community_code is not None and not code.startswith(community_code):
        raise CodeError(
            _("网格编码%(code)s应以所属社区代码%(community)s开头")
            % {"code": code, "community": community_code}
        )
