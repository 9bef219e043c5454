from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from pollwatch.accounts.services import redeem_signin_link


@never_cache
@require_http_methods(["GET", "POST"])
def signin_link(request: HttpRequest, token: str) -> HttpResponse:
    """A one-time sign-in link from an observer's card.

    GET only shows a button: link previews in messaging apps fetch URLs, and a
    preview must not spend the link.
    """
    if request.method == "GET":
        return TemplateResponse(request, "accounts/signin_link.html", {"token": token})
    user = redeem_signin_link(token)
    if user is None:
        messages.error(
            request,
            _(
                "This sign-in link has been used, has expired or was reset. Ask your coordinator for a new one."
            ),
        )
        return redirect("accounts:login")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("home")
