"""OpenRosa 1.0 endpoints per mission, under /odk/<mission>/.

Each device route exists twice: below key/<token>/ (an app user, as in ODK Central:
ODK Collect's server URL is /odk/<mission>/key/<token>) and bare, with HTTP Basic
authentication of the observer's own login.
"""

from django.urls import path

from pollwatch.channels.openrosa import views

app_name = "openrosa"

DEVICE_ROUTES = [
    ("formList", views.form_list, "form_list"),
    ("forms/<str:form_code>/<str:version>/form.xml", views.form_xml, "form_xml"),
    ("submission", views.submission, "submission"),
]

urlpatterns = [
    *(path(route, view, name=name) for route, view, name in DEVICE_ROUTES),
    *(
        path(f"key/<str:token>/{route}", view, name=f"key_{name}")
        for route, view, name in DEVICE_ROUTES
    ),
    path("app-users/<str:observer_uuid>/", views.app_user_page, name="app_user"),
]
