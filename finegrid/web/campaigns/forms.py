"""The campaign pages' forms. They only parse what was typed into values of the right type; the
rules (a percentage between 0 and 100, a reason that is not empty, a reply due after now) are the
actions' own, so a page and the API refuse the same input with the same words."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finegrid.org.models import Unit

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class ProgressForm(forms.Form):
    progress = forms.IntegerField(
        label=_("完成进度(%)"),
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
        error_messages={
            "required": _("请填写完成进度"),
            "invalid": _("完成进度应为0到100之间的整数"),
        },
    )
    value = forms.DecimalField(
        label=_("当前值"),
        required=False,
        max_digits=14,
        decimal_places=4,
        error_messages={"invalid": _("当前值应为数字")},
    )
    text = forms.CharField(
        label=_("进展情况"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AcceptanceForm(forms.Form):
    evidence = forms.CharField(
        label=_("完成情况及佐证"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReplyForm(forms.Form):
    notice = forms.IntegerField(widget=forms.HiddenInput)
    reply = forms.CharField(
        label=_("回复内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class NoticeForm(forms.Form):
    reason = forms.CharField(
        label=_("督办事项"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reply_due = forms.DateTimeField(
        label=_("回复时限"),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
        error_messages={
            "required": _("请填写回复时限"),
            "invalid": _("回复时限应为“年-月-日 时:分”"),
        },
    )


class DecisionForm(forms.Form):
    request = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("验收结论"),
        choices=[("accept", _("验收通过并销号")), ("reject", _("验收不通过"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择验收结论")},
    )
    reasons = forms.CharField(
        label=_("验收意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("不通过时须写明理由"),
    )


class PledgeForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("单位"),
        queryset=Unit.objects.none(),
        error_messages={"required": _("请选择签订单位"), "invalid_choice": _("单位不存在")},
    )
    signatory = forms.CharField(label=_("签订人"), required=False, max_length=60)
    signed_on = forms.DateField(
        label=_("签订日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写签订日期"), "invalid": _("签订日期应为“年-月-日”")},
    )
    scan = forms.FileField(label=_("责任书扫描件"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Unit.objects.filter(is_active=True).order_by("name")


class ImportForm(forms.Form):
    workbook = forms.FileField(
        label=_("计划表格（.xlsx）"), error_messages={"required": _("请选择要导入的Excel文件")}
    )


def first_error(form: forms.Form) -> str:
    """The form's first error, named by its field's label: what the page shows above the form."""
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        return f"{label}：{errors[0]}" if label else str(errors[0])
    return ""
