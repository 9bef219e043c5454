from django.urls import path

from pollwatch.elections import import_views, views

app_name = "elections"
urlpatterns = [
    path("election/", views.election_detail, name="election"),
    path("candidates/", views.candidates, name="candidates"),
    path("stations/", views.stations, name="stations"),
    path("stations/import/", import_views.import_stations, name="import_stations"),
    path("stations/<str:code>/", views.station_detail, name="station"),
]
