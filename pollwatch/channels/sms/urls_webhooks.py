"""The gateways' webhooks, included under /sms/: one URL per gateway and kind."""

from django.urls import path

from pollwatch.channels.sms import webhooks

app_name = "sms_webhooks"
urlpatterns = [
    path("<uuid:gateway_uuid>/twilio", webhooks.twilio, name="twilio"),
    path("<uuid:gateway_uuid>/smssync", webhooks.smssync, name="smssync"),
    path("<uuid:gateway_uuid>/json", webhooks.json_webhook, name="json"),
]
