"""The message log and broadcasts, included under /m/<mission_code>/messages/."""

from django.urls import path

from pollwatch.channels.sms import log_views

app_name = "sms_log"
urlpatterns = [
    path("", log_views.message_log, name="log"),
    path("broadcast/", log_views.broadcast, name="broadcast"),
]
