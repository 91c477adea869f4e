from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("account/notifications/", views.email_preferences, name="preferences"),
    path("account/notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
