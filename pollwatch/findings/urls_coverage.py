from django.urls import path

from pollwatch.findings import coverage_views

app_name = "findings_coverage"
urlpatterns: list = [
    path("", coverage_views.index, name="index"),
    path("<str:form_code>/", coverage_views.form_coverage, name="form"),
    path("<str:form_code>/areas/<str:area_code>/", coverage_views.area_coverage, name="area"),
    path("<str:form_code>/missing/", coverage_views.missing, name="missing"),
    path("<str:form_code>/calls/", coverage_views.record_call, name="call"),
]
