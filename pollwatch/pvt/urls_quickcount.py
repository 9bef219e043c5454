from django.urls import path

from pollwatch.pvt import views

app_name = "pvt_quickcount"
urlpatterns = [
    path("", views.quick_count, name="estimates"),
    path("policy/", views.set_policy, name="policy"),
    path("release/", views.release, name="release"),
    path("sample/", views.sample_page, name="sample"),
    path("sample/draw/", views.draw, name="draw"),
    path("sample/assign/", views.assign, name="assign"),
    path("sample.csv", views.sample_csv, name="sample_csv"),
]
