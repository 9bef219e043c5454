"""The live dashboard, included under /m/<mission_code>/live/."""

from django.urls import path

from pollwatch.findings import live_views

app_name = "findings_live"
urlpatterns = [
    path("", live_views.dashboard, name="dashboard"),
    path("timeline/", live_views.timeline, name="timeline"),
    path("incidents/", live_views.incident_list, name="incidents"),
    path("map/", live_views.station_map, name="map"),
    path("map/outlines.geojson", live_views.map_outlines, name="map_outlines"),
    path("map/<str:form_code>/stations.geojson", live_views.map_stations, name="map_stations"),
]
