"""The teaching pages, for instructors (teaching.policies)."""

from django.urls import path

from teaching.views import analytics, dashboard, profile
from teaching.views.students import students, students_csv

app_name = "teaching"

course = "teach/courses/<slug:slug>/"

urlpatterns: list = [
    # Dashboard and analytics (teaching/views/dashboard.py, analytics.py).
    path("teach/", dashboard.dashboard, name="dashboard"),
    path("teach/profile/", profile.profile, name="profile"),
    path(course, analytics.analytics, name="analytics"),
    path(f"{course}analytics.csv", analytics.analytics_csv, name="analytics_csv"),
    path(f"{course}charts/<slug:name>.csv", analytics.chart_csv, name="chart_csv"),
    # Students (teaching/views/students.py).
    path(f"{course}students/", students, name="students"),
    path(f"{course}students.csv", students_csv, name="students_csv"),
]
