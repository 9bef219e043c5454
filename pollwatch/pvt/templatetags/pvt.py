"""Marks of the quick count on pages of other apps (the station list and page).

A template tag, so the elections app, below pvt, needs no import of it.
"""

from django import template

from pollwatch.missions.models import Mission
from pollwatch.pvt.sampling import sampled_stations

register = template.Library()


@register.simple_tag
def sampled_station_codes(mission: Mission) -> frozenset[str]:
    """The codes of the mission's sampled stations: one query for a whole list."""
    return frozenset(sampled_stations(mission).values_list("code", flat=True))
