from django.urls import path

from pollwatch.checklists import views

app_name = "checklists"
urlpatterns = [
    path("", views.form_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("<str:form_code>/", views.form_version, name="form"),
    path("<str:form_code>/v/<str:version>/", views.form_version, name="version"),
]
