"""Forms of the staff workspaces: one per kind of workflow action, and the case filters.

Each action form carries the case's `version` as the user saw it, so that an action made stale by
someone else is refused (and explained) instead of applied to a case the user has not seen.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from finegrid.cases.models import STATUS_LABELS, Satisfaction, Source
from finegrid.cases.workflow import Status
from finegrid.catalogue.models import Category, FilingRule, Urgency
from finegrid.org.models import Unit, User
from finegrid.worktime.calendar import TimeUnit

MAX_PHOTOS = 9


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; each is checked by content by the action that stores it."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("照片"))
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[bytes]]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("最多上传%(count)d张照片") % {"count": MAX_PHOTOS})
        return [super(PhotosField, self).clean(f, initial) for f in files]


class ActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=_("意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, note_required: bool = False, note_label: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if note_required:
            self.fields["note"].required = True
            self.fields["note"].label = _("理由")
        if note_label is not None:
            self.fields["note"].label = note_label
        # What the action needs first; the note last.
        self.order_fields([name for name in self.fields if name != "note"] + ["note"])


def _inspectors() -> Any:
    return User.objects.filter(groups__name="监督员", is_active=True).order_by("username")


class AcceptForm(ActionForm):
    inspector = forms.ModelChoiceField(
        label=_("核实人员（默认为网格监督员）"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = _inspectors()  # type: ignore[attr-defined]


class SendCheckForm(AcceptForm):
    pass


class VerifyForm(ActionForm):
    confirmed = forms.TypedChoiceField(
        label=_("核实结果"),
        choices=[("true", _("属实")), ("false", _("不属实"))],
        coerce=lambda v: v == "true",
        initial="true",
        widget=forms.RadioSelect,
    )
    photos = PhotosField()


class CheckForm(ActionForm):
    photos = PhotosField()


class RuleSelect(forms.Select):
    """Filing rules that name their category, so the page can offer only the chosen category's."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        instance = getattr(option["value"], "instance", None)
        if instance is not None:
            option["attrs"]["data-category"] = str(instance.category_id)
        return option


class FileForm(ActionForm):
    category = forms.ModelChoiceField(
        label=pgettext_lazy("problem category", "类别"), queryset=Category.objects.none()
    )
    filing_rule = forms.ModelChoiceField(
        label=_("立案条件"), queryset=FilingRule.objects.none(), widget=RuleSelect
    )
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        ).select_related("major")
        self.fields["category"].label_from_instance = (  # type: ignore[attr-defined]
            lambda c: f"{c.get_kind_display()} {c.code} {c.major.name} · {c.name}"
        )
        self.fields["filing_rule"].queryset = FilingRule.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        ).select_related("category")
        self.fields["filing_rule"].label_from_instance = (  # type: ignore[attr-defined]
            lambda rule: f"{rule.category.name}：{rule.condition[:40]}"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rule, category = data.get("filing_rule"), data.get("category")
        if rule is not None and category is not None and rule.category_id != category.pk:
            self.add_error("filing_rule", _("立案条件不属于所选类别"))
        return data


class DispatchForm(ActionForm):
    department = forms.ModelChoiceField(label=_("处置单位"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from finegrid.cases.actions import RECEIVING_UNITS

        self.fields["department"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            is_active=True, kind__in=RECEIVING_UNITS
        ).order_by("name")


class DisposeForm(ActionForm):
    photos = PhotosField(label=_("处置后照片"))


class ExtensionForm(ActionForm):
    amount = forms.DecimalField(
        label=_("延长时限"), min_value=0.5, max_value=1000, decimal_places=2, initial=1
    )
    unit = forms.ChoiceField(
        label=_("单位"),
        choices=[
            (TimeUnit.WORKING_DAYS.value, _("工作日")),
            (TimeUnit.WORKING_HOURS.value, _("工作时")),
        ],
    )


class SuspensionForm(ActionForm):
    resume_on = forms.DateField(
        label=_("预计恢复日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class RateForm(ActionForm):
    satisfaction = forms.ChoiceField(
        label=_("市民满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )


class CaseFilterForm(forms.Form):
    """The console's search: number or text, category, area, status, source, overdue."""

    q = forms.CharField(label=_("案卷号或内容"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部"))] + [(s.value, STATUS_LABELS[s]) for s in Status],
    )
    source = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("", _("全部")), *Source.choices]
    )
    category = forms.ModelChoiceField(
        label=pgettext_lazy("problem category", "类别"),
        required=False,
        queryset=Category.objects.none(),
        empty_label=_("全部"),
    )
    area = forms.CharField(label=_("区域代码"), required=False, max_length=12)
    overdue = forms.TypedChoiceField(
        label=_("超时"),
        required=False,
        choices=[("", _("全部")), ("1", _("已超时")), ("0", _("未超时"))],
        coerce=lambda v: v == "1",
        empty_value=None,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)  # type: ignore[attr-defined]
