from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from finegrid.org.models import DepartmentType, Unit, User


@admin.register(DepartmentType)
class DepartmentTypeAdmin(admin.ModelAdmin[DepartmentType]):
    list_display = ("code", "name", "description")
    search_fields = ("code", "name")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    list_display = ("name", "kind", "level", "department_type", "area", "is_active")
    list_filter = ("kind", "level", "department_type", "is_active")
    search_fields = ("name", "short_name", "credit_code")
    autocomplete_fields = ("area", "parent", "department_type")


@admin.register(User)
class StaffAdmin(UserAdmin[User]):
    list_display = ("username", "full_name", "unit", "roles", "is_active", "last_login")
    list_filter = ("groups", "unit__kind", "is_active")
    search_fields = ("username", "full_name", "phone", "email")
    autocomplete_fields = ("unit", "areas")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "phone", "email")}),
        (_("岗位与范围"), {"fields": ("unit", "groups", "areas")}),
        (
            _("状态"),
            {"fields": ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")},
        ),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("username", "full_name", "password1", "password2")},
        ),
    )

    @admin.display(description=_("角色"))
    def roles(self, obj: User) -> str:
        return "、".join(g.name for g in obj.groups.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).select_related("unit").prefetch_related("groups")
