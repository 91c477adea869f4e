from django.urls import path

from community import views
from community.announcements import views as announcements
from community.discussions import urls as discussions

app_name = "community"

reviews = "courses/<slug:slug>/reviews/"

urlpatterns = [
    path(reviews, views.reviews, name="reviews"),
    path(f"{reviews}delete/", views.review_remove, name="review_delete"),
    path(f"{reviews}<id:review_id>/reply/", views.review_answer_save, name="review_reply"),
    path("courses/<slug:slug>/announcements/new/", announcements.announcement_new, name="announcement_new"),
    *discussions.urlpatterns,
]
