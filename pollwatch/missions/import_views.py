"""Placeholder: being written."""

from django.http import HttpResponse


def import_observers(request, *args, **kwargs):
    return HttpResponse(status=501)


def reset_signin_link(request, *args, **kwargs):
    return HttpResponse(status=501)

