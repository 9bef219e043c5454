from django.urls import path

from pollwatch.missions import import_views, views

app_name = "missions"
urlpatterns = [
    path("", views.mission_home, name="home"),
    path("invitations/", views.invitations, name="invitations"),
    path("roster/", views.roster, name="roster"),
    path("roster.csv", views.roster_csv, name="roster_csv"),
    path("roster/import/", import_views.import_observers, name="import_observers"),
    path("observers/<str:observer_uuid>/", views.observer_detail, name="observer"),
    path(
        "observers/<str:observer_uuid>/signin-link/",
        import_views.reset_signin_link,
        name="reset_signin_link",
    ),
]
