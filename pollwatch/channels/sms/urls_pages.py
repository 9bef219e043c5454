"""The SMS guide and test console, included under /m/<mission_code>/sms/."""

from django.urls import path

from pollwatch.channels.sms import pages

app_name = "sms_pages"
urlpatterns = [
    path("guide/", pages.guide, name="guide"),
    path("console/", pages.console, name="console"),
]
