"""The inspector's two forms: a report from the street, and the finding on a verify or check task.

Forms only parse and say what is missing, in Chinese, next to the field; whether a photo is an
image, a point lies in the city or a case may still be acted on is the actions' call.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finegrid.catalogue.models import Category, Urgency
from finegrid.geo.crs import CRS

#: A report or finding carries at most this many photos: what fits in one request on a phone
#: (see FINEGRID_MAX_REQUEST_MB, four photos of the largest size by default).
MAX_PHOTOS = 4

CRS_CHOICES = [
    (CRS.WGS84.value, _("WGS-84（手机定位、GPS）")),
    (CRS.GCJ02.value, _("GCJ-02（高德、腾讯、微信）")),
    (CRS.BD09.value, _("BD-09（百度）")),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files under one name; their content is checked by the action, not here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        return list(data) if isinstance(data, list | tuple) else ([data] if data else [])


class OneTimeForm(forms.Form):
    """A form whose hidden token is used once: a double tap or a resent POST replays the first
    answer instead of acting twice (the token is the idempotency key of the submission)."""

    form_token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("表单已失效，请检查内容后重新提交"),
            "invalid": _("表单已失效，请检查内容后重新提交"),
        },
    )
    photos = MultipleFileField(label=_("照片"), required=False)


class ReportForm(OneTimeForm):
    lon = forms.FloatField(
        label=_("经度"),
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={
            "required": _("请定位或在地图上点选事发位置"),
            "invalid": _("经度应为数字"),
            "min_value": _("经度应在-180至180之间"),
            "max_value": _("经度应在-180至180之间"),
        },
    )
    lat = forms.FloatField(
        label=_("纬度"),
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={
            "required": _("请定位或在地图上点选事发位置"),
            "invalid": _("纬度应为数字"),
            "min_value": _("纬度应在-90至90之间"),
            "max_value": _("纬度应在-90至90之间"),
        },
    )
    crs = forms.ChoiceField(
        label=_("坐标系"),
        choices=CRS_CHOICES,
        initial=CRS.WGS84.value,
        error_messages={"invalid_choice": _("不支持的坐标系")},
    )
    category = forms.ModelChoiceField(
        label=_("问题类别"),
        queryset=Category.objects.filter(is_active=True),
        error_messages={
            "required": _("请选择问题类别"),
            "invalid_choice": _("所选类别不存在或已停用，请重新选择"),
        },
    )
    description = forms.CharField(
        label=_("问题描述"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("请填写问题描述"),
            "max_length": _("问题描述最多%(limit_value)d字（现有%(show_value)d字）"),
        },
    )
    address = forms.CharField(
        label=_("地址或参照物"),
        max_length=256,
        required=False,
        error_messages={"max_length": _("地址最多%(limit_value)d字（现有%(show_value)d字）")},
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"),
        choices=Urgency.choices,
        initial=Urgency.ORDINARY.value,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择紧急程度"), "invalid_choice": _("请选择紧急程度")},
    )
    self_handled = forms.BooleanField(label=_("已现场处置（自处理）"), required=False)


VERIFY_OUTCOMES = [("yes", _("问题属实")), ("no", _("问题不属实"))]
CHECK_OUTCOMES = [("yes", _("已处置到位，核查通过")), ("no", _("未处置到位，返工"))]


class TaskForm(OneTimeForm):
    """The inspector's finding on site; `version` is the case as they saw it."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    outcome = forms.ChoiceField(
        label=_("核查结果"),
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择结果"), "invalid_choice": _("请选择结果")},
    )
    note = forms.CharField(
        label=_("意见"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("意见最多%(limit_value)d字（现有%(show_value)d字）")},
    )

    def __init__(self, *args: Any, verifying: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        outcome = self.fields["outcome"]
        assert isinstance(outcome, forms.ChoiceField)
        outcome.choices = VERIFY_OUTCOMES if verifying else CHECK_OUTCOMES
        outcome.label = _("核实结果") if verifying else _("核查结果")
