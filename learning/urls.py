from django.urls import path

from learning.views import actions, pages

app_name = "learning"

lesson = "courses/<slug:slug>/lessons/<id:lesson_id>/"
attempt = f"{lesson}quiz/attempts/<id:attempt_id>/"

urlpatterns = [
    path("dashboard/", pages.dashboard, name="dashboard"),
    path("certificates/<str:code>/", pages.certificate_detail, name="certificate"),
    path("courses/<slug:slug>/completed/", pages.course_completed, name="course_completed"),
    path(f"{lesson}complete/", actions.lesson_mark, {"completed": True}, name="lesson_complete"),
    path(f"{lesson}incomplete/", actions.lesson_mark, {"completed": False}, name="lesson_incomplete"),
    path(f"{lesson}quiz/start/", actions.quiz_start, name="quiz_start"),
    path(f"{lesson}quiz/preview/", actions.quiz_preview, name="quiz_preview"),
    path(attempt, actions.quiz_attempt, name="quiz_attempt"),
    path(f"{attempt}submit/", actions.quiz_submit, name="quiz_submit"),
    path(f"{attempt}result/", actions.quiz_result, name="quiz_result"),
    path(f"{lesson}submission/", actions.assignment_submit, name="assignment_submit"),
    path("submissions/<id:submission_id>/file/", actions.submission_file, name="submission_file"),
]

# The course page and the lesson page: lms/urls.py mounts these in the site's
# "courses" namespace (`courses:detail`, `courses:lesson`), the names every
# template and model link uses, whichever app hosts the view.
course_pages = [
    path("courses/<slug:slug>/", pages.course_detail, name="detail"),
    path(lesson, pages.lesson_detail, name="lesson"),
]
