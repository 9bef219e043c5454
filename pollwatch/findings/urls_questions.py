"""Findings per question, included under /m/<mission_code>/findings/."""

from django.urls import path

from pollwatch.findings import question_views

app_name = "findings_questions"
urlpatterns = [
    path("", question_views.index, name="index"),
    path("<str:form_code>/", question_views.form_findings, name="form"),
    path(
        "<str:form_code>/<str:question_name>/",
        question_views.question_findings,
        name="question",
    ),
]
