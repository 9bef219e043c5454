"""Placeholder: being written."""

from django.http import HttpResponse


def election_detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def candidates(request, *args, **kwargs):
    return HttpResponse(status=501)


def stations(request, *args, **kwargs):
    return HttpResponse(status=501)


def station_detail(request, *args, **kwargs):
    return HttpResponse(status=501)

