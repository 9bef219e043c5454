"""The core team's review pages, included under /m/<mission_code>/reports/."""

from django.urls import path

from pollwatch.reports import review_views

app_name = "review"
urlpatterns = [
    path("", review_views.report_list, name="list"),
    path("<str:report_uuid>/", review_views.report_detail, name="report"),
    path("<str:report_uuid>/decide/", review_views.decide, name="decide"),
]
