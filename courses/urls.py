from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.catalogue, name="home"),
    path("courses/", views.catalogue, name="catalogue"),
    path("courses/<slug:slug>/", views.course_detail, name="detail"),
    path("courses/<slug:slug>/lessons/<int:lesson_id>/", views.lesson_detail, name="lesson"),
    path("courses/<slug:slug>/enroll/", views.enroll, name="enroll"),
]
