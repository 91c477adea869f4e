from django.contrib import admin
from django.urls import include, path

from lms import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("payments/", include("payments.urls")),
    path("", include("enrollments.urls")),
    path("", include("enrollments.learning_urls")),
    path("", include("courses.urls")),
]

handler400 = "lms.views.bad_request"
handler403 = "lms.views.permission_denied"
handler404 = "lms.views.page_not_found"
handler500 = "lms.views.server_error"
