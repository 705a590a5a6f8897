from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from finegrid.geo.models import Area, Grid
from finegrid.geo.version import bump_geo_version

SHAPE_FORM = "admin/geo/shape_change_form.html"


class VersionedAdmin(admin.ModelAdmin[Any]):
    """Edits in the admin change the geography too: bump its version so spatial indexes rebuild."""

    change_form_template = SHAPE_FORM

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            bump_geo_version()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            super().delete_model(request, obj)
            bump_geo_version()


@admin.register(Area)
class AreaAdmin(VersionedAdmin):
    list_display = (
        "code",
        "name",
        "level",
        "parent",
        "area_class",
        "has_boundary",
        "valid_from",
        "valid_to",
    )
    list_filter = ("level", "area_class")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent", "successor")
    exclude = ("boundary",)

    @admin.display(description=_("有边界"), boolean=True)
    def has_boundary(self, obj: Area) -> bool:
        return obj.boundary is not None


@admin.register(Grid)
class GridAdmin(VersionedAdmin):
    list_display = (
        "code",
        "community",
        "area_m2",
        "land_use",
        "responsible_unit",
        "valid_from",
        "valid_to",
    )
    list_filter = ("land_use", "community__parent__parent", "valid_to")
    search_fields = ("code", "community__name")
    list_select_related = ("community", "responsible_unit")
    autocomplete_fields = ("responsible_unit", "inspectors")
    readonly_fields = ("code", "community", "area_m2", "valid_from")
    exclude = ("boundary",)
    show_full_result_count = False
