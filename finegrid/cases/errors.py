"""Domain errors of the case workflow, each with a stable code and a message in the user's language.

The API and the pages map them to HTTP statuses in one place; nothing was written when one is raised.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from finegrid.cases.workflow import ActionNotPermitted, InvalidTransition, WorkflowError

__all__ = [
    "ActionNotPermitted",
    "CaseChanged",
    "CaseNotFound",
    "InvalidInput",
    "InvalidTransition",
    "NoteRequired",
    "OutsideArea",
    "WorkflowError",
    "describe",
]


class CaseNotFound(WorkflowError):
    """No such case, or one outside the user's scope: the two look the same on purpose."""

    code = "not_found"


class CaseChanged(WorkflowError):
    """Someone else changed the case since the user read it (stale version or status)."""

    code = "conflict"


class NoteRequired(WorkflowError):
    code = "note_required"


class InvalidInput(WorkflowError):
    code = "invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        self.field, self.message = field, message


class OutsideArea(InvalidInput):
    """The point is in the city but outside the area this channel may report in."""

    code = "outside_area"

    def __init__(self, area_name: str) -> None:
        super().__init__(
            "location",
            _("该位置不在此渠道的上报区域（%(area)s）内") % {"area": area_name},
        )


def describe(error: WorkflowError) -> str:
    """The user-facing message for a domain error, in the active language."""
    from finegrid.cases.models import ACTION_LABELS, STATUS_LABELS

    if isinstance(error, InvalidInput):
        return error.message
    if isinstance(error, InvalidTransition):
        return _("案卷当前状态为“%(status)s”，不能执行“%(action)s”") % {
            "status": STATUS_LABELS[error.status],
            "action": ACTION_LABELS[error.action],
        }
    if isinstance(error, ActionNotPermitted):
        return _("您的岗位不能对此案卷执行“%(action)s”") % {"action": ACTION_LABELS[error.action]}
    if isinstance(error, CaseNotFound):
        return _("案卷不存在")
    if isinstance(error, CaseChanged):
        return _("案卷已被他人处理或修改，请刷新后重试")
    if isinstance(error, NoteRequired):
        return _("此操作必须填写意见或理由")
    return _("操作失败")
