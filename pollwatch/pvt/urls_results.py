from django.urls import path

from pollwatch.pvt import results_views

app_name = "pvt_results"
urlpatterns = [
    path("", results_views.totals, name="totals"),
    path("flagged/", results_views.flagged, name="flagged"),
    path("protocols/", results_views.compare, name="compare"),
    path("forensics/", results_views.forensics_page, name="forensics"),
    path("import/", results_views.import_upload, name="import"),
    path("import/<uuid:token>/", results_views.import_map, name="import_map"),
]
