"""The portal's forms: each field's error in Chinese next to it, and what the citizen typed kept.

The report form checks everything it can before anything is written (where the point is, each
photo, the phone number), so that all mistakes show at once; the action checks again and has the
last word.
"""

from __future__ import annotations

from typing import Any, Final

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finegrid.cases import tracking as codes
from finegrid.cases.actions import CitizenInput
from finegrid.cases.errors import InvalidInput
from finegrid.cases.models import Satisfaction
from finegrid.cases.photos import Photo, check_photo
from finegrid.catalogue.models import Category
from finegrid.geo.crs import CRS, CoordinateError, to_wgs84, validate_lonlat
from finegrid.geo.selectors import OutsideCity, ResolvedLocation, locate_point
from finegrid.portal import selectors
from finegrid.portal.phones import normalise_phone

MAX_PHOTOS: Final = 4
MAX_DESCRIPTION: Final = 1000
#: The token field is checked by shape only; `actions.new_form_token` makes 22 URL-safe characters.
_TOKEN_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input (Django's documented pattern for `multiple`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[bytes]]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(item, initial) for item in files]


class CategoryField(forms.ChoiceField):
    """An optional category, grouped by kind and major class; the choices are read per form."""

    def to_python(self, value: Any) -> str:
        return "" if value in self.empty_values else str(value)


class PortalForm(forms.Form):
    """No colon after labels (Chinese labels carry none), and no browser validation bubbles: they
    speak the browser's language and vanish; our errors stay next to the field, in Chinese.
    Required fields say so to screen readers with aria-required instead."""

    use_required_attribute = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for bound in self.visible_fields():
            if bound.field.required:
                bound.field.widget.attrs["aria-required"] = "true"


class ReportForm(PortalForm):
    form_token = forms.CharField(widget=forms.HiddenInput)
    # Where the pin is, in `crs` (the tiles' system, or WGS-84 from the phone's GPS, or GCJ-02
    # from a WeChat page); parsed together in `clean` so every problem lands on the map's field.
    lon = forms.CharField(required=False, widget=forms.HiddenInput)
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    crs = forms.CharField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(
        label=gettext_lazy("问题描述"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "说清楚是什么问题、在哪里，例如“小区北门外人行道上有一堆建筑垃圾”。"
        ),
        error_messages={"required": gettext_lazy("请填写问题描述")},
    )
    address = forms.CharField(
        label=gettext_lazy("地址或地标（选填）"),
        max_length=256,
        required=False,
        help_text=gettext_lazy("例如门牌号、路口或附近的店铺，帮助工作人员找到现场。"),
    )
    category = CategoryField(
        label=gettext_lazy("问题类别（选填）"),
        required=False,
        help_text=gettext_lazy("不确定可以不选，工作人员会帮您分类。"),
        error_messages={"invalid_choice": gettext_lazy("请从列表中选择问题类别")},
    )
    photos = PhotosField(
        label=gettext_lazy("照片（选填，最多4张）"),
        required=False,
        help_text=gettext_lazy("照片中的拍摄位置信息会被删除。"),
    )
    name = forms.CharField(label=gettext_lazy("称呼（选填）"), max_length=60, required=False)
    phone = forms.CharField(
        label=gettext_lazy("联系电话（选填）"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=gettext_lazy("手机或座机均可，座机请加区号。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, CategoryField)
        category.choices = [("", _("不清楚，由工作人员分类")), *selectors.category_choices()]
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.place: ResolvedLocation | None = None

    def clean_form_token(self) -> str:
        token: str = self.cleaned_data["form_token"]
        if not 16 <= len(token) <= 64 or not set(token) <= _TOKEN_CHARS:
            raise forms.ValidationError(_("表单已失效，请重新提交"), code="invalid")
        return token

    def clean_description(self) -> str:
        text = str(self.cleaned_data["description"]).strip()
        if not text:
            raise forms.ValidationError(_("请填写问题描述"), code="required")
        return text

    def clean_category(self) -> Category | None:
        value = self.cleaned_data.get("category") or ""
        if not value:
            return None
        category = selectors.active_category(value)
        if category is None:
            raise forms.ValidationError(_("请从列表中选择问题类别"), code="invalid_choice")
        return category

    def clean_photos(self) -> list[Photo]:
        files: list[UploadedFile[bytes]] = self.cleaned_data.get("photos") or []
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("最多上传%(count)d张照片") % {"count": MAX_PHOTOS}, code="too_many"
            )
        photos, problems = [], []
        for upload in files:
            photo = Photo(str(upload.name or "photo")[:200], upload.read())
            try:
                check_photo(photo)
            except InvalidInput as exc:
                problems.append(exc.message)
            photos.append(photo)
        if problems:
            raise forms.ValidationError(problems)
        return photos

    def clean_phone(self) -> str:
        return normalise_phone(str(self.cleaned_data.get("phone") or ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None
        raw_lon, raw_lat = cleaned.get("lon") or "", cleaned.get("lat") or ""
        if not raw_lon.strip() or not raw_lat.strip():
            self.add_error("lon", _("请在地图上点选问题位置，或点击“使用我的位置”"))
            return cleaned
        try:
            crs = CRS((cleaned.get("crs") or CRS.WGS84).strip().lower())
            lon, lat = float(raw_lon), float(raw_lat)
            validate_lonlat(lon, lat)
            wgs_lon, wgs_lat = to_wgs84(lon, lat, crs)
            self.place = locate_point(lon=wgs_lon, lat=wgs_lat)
        except (ValueError, CoordinateError):
            self.add_error("lon", _("位置坐标无效，请在地图上重新点选"))
        except OutsideCity:
            self.add_error("lon", _("所选位置不在本市范围内，请重新选择"))
        else:
            cleaned.update(lon=lon, lat=lat, crs=crs)
        return cleaned

    def citizen(self) -> CitizenInput | None:
        name = str(self.cleaned_data.get("name") or "").strip()
        phone = str(self.cleaned_data.get("phone") or "")
        return CitizenInput(name=name, phone=phone) if name or phone else None


class TrackForm(PortalForm):
    code = forms.CharField(
        label=gettext_lazy("查询码"),
        max_length=20,
        help_text=gettext_lazy("上报成功时给您的8位查询码，不区分大小写。"),
        error_messages={"required": gettext_lazy("请输入查询码")},
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = codes.normalise(str(self.cleaned_data["code"]))
        if not codes.is_well_formed(code):
            raise forms.ValidationError(_("查询码应为8位字母或数字"), code="invalid")
        return code


class RateForm(PortalForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    satisfaction = forms.ChoiceField(
        label=gettext_lazy("您对处理结果是否满意？"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择满意、基本满意或不满意"),
            "invalid_choice": gettext_lazy("请选择满意、基本满意或不满意"),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("补充意见（选填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NotFixedForm(PortalForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=gettext_lazy("问题哪里没有解决？"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("说明现场的情况，问题会退回处置单位重新处理。"),
        error_messages={"required": gettext_lazy("请说明问题哪里没有解决")},
    )

    def clean_note(self) -> str:
        text = str(self.cleaned_data["note"]).strip()
        if not text:
            raise forms.ValidationError(_("请说明问题哪里没有解决"), code="required")
        return text
