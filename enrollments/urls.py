"""Enrolling's path. lms/urls.py mounts it in the site's "courses" namespace
(`courses:enroll`), beside the course page it belongs to."""

from django.urls import path

from enrollments import views

urlpatterns = [
    path("courses/<slug:slug>/enroll/", views.enroll, name="enroll"),
]
