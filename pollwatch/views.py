from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from pollwatch.missions.access import missions_for_user


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Straight to the mission when the user has one; a chooser otherwise."""
    missions = list(missions_for_user(request.user).select_related("election", "organisation"))
    if len(missions) == 1:
        return redirect("missions:home", mission_code=missions[0].code)
    return TemplateResponse(request, "home.html", {"missions": missions})
