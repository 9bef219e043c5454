from django.urls import path

app_name = "missions"
urlpatterns: list = []
