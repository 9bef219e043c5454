from django.urls import path

from pollwatch.findings import export_views

app_name = "findings_exports"
urlpatterns: list = [
    path("", export_views.index, name="index"),
    path("statement/", export_views.statement, name="statement"),
    path("forms/<str:form_code>/reports.csv", export_views.reports_csv, name="reports_csv"),
    path("forms/<str:form_code>/xlsx/", export_views.request_xlsx, name="request_xlsx"),
    path("forms/<str:form_code>/coverage.csv", export_views.coverage_csv, name="coverage_csv"),
    path("forms/<str:form_code>/findings.csv", export_views.findings_csv, name="findings_csv"),
    path("xlsx/<str:export_uuid>/", export_views.export_status, name="export"),
    path("xlsx/<str:export_uuid>/download/", export_views.download, name="download"),
]
