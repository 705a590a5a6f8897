"""The centre's forms on the ranking page: a correction's reason, and a bonus or penalty."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class CorrectionForm(forms.Form):
    note = forms.CharField(
        label=_("更正原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("更正必须写明原因")},
    )


class AdjustmentForm(forms.Form):
    subject = forms.TypedChoiceField(label=_("考核对象"), coerce=int)
    points = forms.DecimalField(
        label=_("加减分"),
        max_digits=6,
        decimal_places=2,
        min_value=Decimal(-100),
        max_value=Decimal(100),
        help_text=_("加分为正数，减分为负数"),
        widget=forms.NumberInput(attrs={"step": "0.5"}),
    )
    reason = forms.CharField(label=_("事由"), max_length=200)

    def __init__(self, *args: Any, subjects: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["subject"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—"), *subjects]
