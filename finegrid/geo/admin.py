from django.contrib import admin

from finegrid.geo.models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin[Area]):
    list_display = ("code", "name", "level", "parent", "area_class", "valid_from", "valid_to")
    list_filter = ("level", "area_class")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent", "successor")
    exclude = ("boundary",)
