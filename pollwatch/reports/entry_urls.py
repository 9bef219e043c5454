"""Observers' entry pages, included under /m/<mission_code>/entry/."""

from django.urls import path

from pollwatch.reports import entry_views

app_name = "entry"
urlpatterns = [
    path("", entry_views.my_stations, name="stations"),
    path("s/<str:station_code>/<str:form_code>/", entry_views.form_page, name="checklist"),
    path("f/<str:form_code>/", entry_views.form_page, name="report"),
]
