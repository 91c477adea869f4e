"""The catalogue's and the instructor pages' paths. lms/urls.py mounts them in the site's "courses"
namespace, together with the course pages of `learning` and enrolling of
`enrollments` (README: "Pages")."""

from django.urls import path

from courses import views

urlpatterns = [
    path("", views.catalogue_page, name="home"),
    path("courses/", views.catalogue_page, name="catalogue"),
    path("instructors/<slug:slug>/", views.instructor_page, name="instructor"),
]
