"""Filters for templates/findings/_form_findings.html, which renders a findings dict alone.

The dict (findings/questions.py) keeps labels per language and shares as fractions,
so that a release made in one language reads in the viewer's own.
"""

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import get_language

from pollwatch.checklists.spec import label_in

register = template.Library()


@register.filter
def in_language(labels: Any, default: str = "en") -> str:
    """A label dict in the current language, else the form's default, else any."""
    if not isinstance(labels, dict):
        return "" if labels is None else str(labels)
    return label_in(labels, (get_language() or default).split("-")[0], default)


@register.filter
def percent(fraction: Any) -> float | str:
    """A fraction (0 to 1) as a percentage, for floatformat; "" when there is none."""
    if fraction is None or fraction == "":
        return ""
    return float(fraction) * 100


@register.filter
def bar(fraction: Any, width: Any = 100) -> str:
    """A fraction as an SVG length in a chart `width` units wide, unlocalised."""
    if fraction is None or fraction == "":
        return "0"
    return f"{max(min(float(fraction), 1.0), 0.0) * float(width):.2f}"


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """mapping[key], or None (templates cannot index a dict by a variable)."""
    if isinstance(mapping, dict):
        return mapping.get(key)
    if isinstance(mapping, list | tuple) and isinstance(key, int) and 0 <= key < len(mapping):
        return mapping[key]
    return None


@register.filter
def as_datetime(value: Any) -> dt.datetime | None:
    """An ISO 8601 time from the dict as an aware datetime (for the timezone tag)."""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
