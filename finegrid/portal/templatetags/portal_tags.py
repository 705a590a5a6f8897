"""Template helpers for the portal's pages: the city's name, and one form field with its label,
help and errors wired together for screen readers."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.forms import BoundField

register = template.Library()


@register.simple_tag
def city_name() -> str:
    return str(settings.FINEGRID_CITY_NAME)


@register.inclusion_tag("portal/_field.html")
def field(bound: BoundField, **attrs: Any) -> dict[str, Any]:
    """Label, help text, errors (role=alert, linked by aria-describedby) and the widget."""
    return {"field": bound, "attrs": attrs}
