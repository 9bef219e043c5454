from django.urls import path

from pollwatch.findings import release_views

app_name = "findings_releases"
urlpatterns: list = [
    path("", release_views.index, name="index"),
    path("new/", release_views.publish, name="publish"),
    path("<str:release_uuid>/", release_views.release_detail, name="release"),
    path("<str:release_uuid>/statement/", release_views.release_statement, name="statement"),
]
