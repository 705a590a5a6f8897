"""The 17-digit component code (部件标识码: 6 admin + 2 major + 3 minor + 6 serial) and its checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from finegrid.catalogue.models import (
    COMPONENT_CODE_LENGTH,
    Category,
    Kind,
    check_component_code_format,
)
from finegrid.geo.models import Area, AreaLevel


@dataclass(frozen=True)
class ComponentCodeChecker:
    """The catalogue and the known districts read once, so a large import checks codes in memory."""

    part_categories: Mapping[str, Category]
    # None when no city or district is in the database yet: then only the shape can be checked.
    admin_codes: frozenset[str] | None

    @classmethod
    def load(cls) -> ComponentCodeChecker:
        categories = {c.code: c for c in Category.objects.filter(kind=Kind.PART)}
        codes = frozenset(
            Area.objects.current()
            .filter(level__in=[AreaLevel.CITY, AreaLevel.DISTRICT])
            .values_list("code", flat=True)
        )
        return cls(part_categories=categories, admin_codes=codes or None)

    def check(self, code: str) -> Category:
        """The part category the code names; ValidationError with the rule it breaks otherwise."""
        check_component_code_format(code)
        admin_code = code[:6]
        if self.admin_codes is not None and admin_code not in self.admin_codes:
            raise ValidationError(
                _("部件标识码前6位行政区划代码%(code)s不是已知的区(县)代码") % {"code": admin_code},
                code="admin_code",
            )
        minor_code = code[6:11]
        category = self.part_categories.get(minor_code)
        if category is None:
            raise ValidationError(
                _("部件标识码第7-11位的小类代码%(code)s不在部件目录中") % {"code": minor_code},
                code="category",
            )
        return category


def validate_component_code(code: str) -> Category:
    """Check a component code against the format, the known districts and the part catalogue."""
    return ComponentCodeChecker.load().check(code)


__all__ = [
    "COMPONENT_CODE_LENGTH",
    "ComponentCodeChecker",
    "check_component_code_format",
    "validate_component_code",
]
