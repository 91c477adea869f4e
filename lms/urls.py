"""The site's public URLs: every path, and the names templates and models
reverse. The composition root, so it may name every app.

The "courses" namespace is everything a visitor opens under /courses/: the
catalogue (`courses`), the course and lesson pages (`learning`, where the
rule in README's "Pages" puts them) and enrolling (`enrollments`). It is put
together here so that its names stay the same whichever app hosts a view."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

import courses.urls
import enrollments.urls
import learning.urls
from lms import views

course_pages = [*courses.urls.urlpatterns, *learning.urls.course_pages, *enrollments.urls.urlpatterns]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("payments/", include("payments.urls")),
    path("", include("notifications.urls")),
    path("", include("learning.urls")),
    path("", include("community.urls")),
    path("", include("teaching.urls")),
    path("", include((course_pages, "courses"))),
]

# Public uploads (course images, instructor photos; lms/storage.py): runserver serves
# them when DEBUG is on (`static` adds nothing otherwise); nginx does in production.
urlpatterns += static(settings.PUBLIC_MEDIA_URL, document_root=settings.PUBLIC_MEDIA_ROOT)

handler400 = "lms.views.bad_request"
handler403 = "lms.views.permission_denied"
handler404 = "lms.views.page_not_found"
handler500 = "lms.views.server_error"
