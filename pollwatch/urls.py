from django.contrib import admin
from django.urls import include, path

from pollwatch import views
from pollwatch.api import api
from pollwatch.reports import entry_views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("sw.js", entry_views.service_worker, name="service_worker"),
    path("", views.home, name="home"),
    path("accounts/", include("pollwatch.accounts.urls")),
    path("m/<str:mission_code>/", include("pollwatch.missions.urls")),
    path("m/<str:mission_code>/", include("pollwatch.elections.urls")),
    path("m/<str:mission_code>/forms/", include("pollwatch.checklists.urls")),
    path("m/<str:mission_code>/entry/", include("pollwatch.reports.entry_urls")),
    path("m/<str:mission_code>/reports/", include("pollwatch.reports.review_urls")),
    path("m/<str:mission_code>/messages/", include("pollwatch.channels.sms.urls_log")),
    path("m/<str:mission_code>/sms/", include("pollwatch.channels.sms.urls_pages")),
    path("sms/", include("pollwatch.channels.sms.urls_webhooks")),
    path("odk/<str:mission_code>/", include("pollwatch.channels.openrosa.urls")),
]
