"""Placeholder: being written."""

from django.http import HttpResponse


def mission_home(request, *args, **kwargs):
    return HttpResponse(status=501)


def invitations(request, *args, **kwargs):
    return HttpResponse(status=501)


def roster(request, *args, **kwargs):
    return HttpResponse(status=501)


def roster_csv(request, *args, **kwargs):
    return HttpResponse(status=501)


def observer_detail(request, *args, **kwargs):
    return HttpResponse(status=501)

