from django.urls import path

from enrollments import learning_views as views

app_name = "learning"

lesson = "courses/<slug:slug>/lessons/<int:lesson_id>/"
attempt = f"{lesson}quiz/attempts/<int:attempt_id>/"

urlpatterns = [
    path(f"{lesson}complete/", views.lesson_mark, {"completed": True}, name="lesson_complete"),
    path(f"{lesson}incomplete/", views.lesson_mark, {"completed": False}, name="lesson_incomplete"),
    path(f"{lesson}quiz/start/", views.quiz_start, name="quiz_start"),
    path(f"{lesson}quiz/preview/", views.quiz_preview, name="quiz_preview"),
    path(attempt, views.quiz_attempt, name="quiz_attempt"),
    path(f"{attempt}submit/", views.quiz_submit, name="quiz_submit"),
    path(f"{attempt}result/", views.quiz_result, name="quiz_result"),
    path(f"{lesson}submission/", views.assignment_submit, name="assignment_submit"),
    path("submissions/<int:submission_id>/file/", views.submission_file, name="submission_file"),
]
