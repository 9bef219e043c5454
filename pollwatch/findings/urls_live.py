from django.urls import path  # noqa: F401

app_name = "findings_live"
urlpatterns: list = []
