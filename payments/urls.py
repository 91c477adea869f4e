from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("checkout/<slug:slug>/", views.checkout, name="checkout"),
    path("webhook/", views.webhook, name="webhook"),
    path("success/", views.success, name="success"),
]
