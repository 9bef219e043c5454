from django.urls import path  # noqa: F401

app_name = "pvt_results"
urlpatterns: list = []
