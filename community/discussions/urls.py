"""The discussion paths, added to community's URLs (community/urls.py)."""

from django.urls import path

from community.discussions import views

question = "courses/<slug:slug>/questions/<id:question_id>/"
reply = f"{question}replies/<id:reply_id>/"

urlpatterns = [
    path("courses/<slug:slug>/lessons/<id:lesson_id>/questions/", views.lesson_questions, name="questions"),
    path(question, views.question_detail, name="question"),
    path(f"{question}edit/", views.post_edit, name="question_edit"),
    path(f"{question}accept/", views.answer_accept, name="answer_accept"),
    path(f"{question}hide/", views.post_hide, name="question_hide"),
    path(f"{question}show/", views.post_show, name="question_show"),
    path(f"{reply}edit/", views.post_edit, name="reply_edit"),
    path(f"{reply}hide/", views.post_hide, name="reply_hide"),
    path(f"{reply}show/", views.post_show, name="reply_show"),
    path("community/unanswered/", views.unanswered, name="unanswered"),
]
