"""Placeholder: being written."""

from django.http import HttpResponse


def import_stations(request, *args, **kwargs):
    return HttpResponse(status=501)

