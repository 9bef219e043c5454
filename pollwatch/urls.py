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
    path("m/<str:mission_code>/coverage/", include("pollwatch.findings.urls_coverage")),
    path("m/<str:mission_code>/findings/", include("pollwatch.findings.urls_questions")),
    path("m/<str:mission_code>/live/", include("pollwatch.findings.urls_live")),
    path("m/<str:mission_code>/exports/", include("pollwatch.findings.urls_exports")),
    path("m/<str:mission_code>/releases/", include("pollwatch.findings.urls_releases")),
    path("m/<str:mission_code>/quick-count/", include("pollwatch.pvt.urls_quickcount")),
    path("m/<str:mission_code>/results/", include("pollwatch.pvt.urls_results")),
    path("sms/", include("pollwatch.channels.sms.urls_webhooks")),
    path("odk/<str:mission_code>/", include("pollwatch.channels.openrosa.urls")),
]
