"""Doctrina's admin site: Django's, with its "view on site" redirect checked
and its own "permission denied" page.

Django's `admin/r/<content type>/<id>/` redirects any staff user to any
object's public URL, which would tell an instructor the slug of another
instructor's draft course. Here it answers only for objects the user's own
ModelAdmin lets them see (the same policy-backed querysets as the lists).

A PermissionDenied inside the admin (an instructor on a page for staff, an
action on a course not theirs) is answered with the admin's own page
(templates/admin/403.html: its header, a link back to its index), not the
student site's templates/errors/403.html."""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path


class DoctrinaAdminSite(admin.AdminSite):
    site_header = "Doctrina authoring"
    site_title = "Doctrina admin"
    index_title = "Courses and students"

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def refusing_in_admin_style(request, *args, **kwargs):
            try:
                return inner(request, *args, **kwargs)
            except PermissionDenied:
                return self.permission_denied(request)

        return update_wrapper(refusing_in_admin_style, inner)

    def permission_denied(self, request) -> TemplateResponse:
        request.current_app = self.name
        return TemplateResponse(request, "admin/403.html", self.each_context(request), status=403)

    def get_urls(self):
        checked = path(
            "r/<id:content_type_id>/<path:object_id>/",
            self.admin_view(self.view_on_site),
            name="view_on_site",
        )
        # Ours first: Django resolves the first pattern that matches.
        return [checked, *super().get_urls()]

    def view_on_site(self, request, content_type_id: int, object_id: str):
        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except ContentType.DoesNotExist:
            raise Http404("No such object") from None
        model_admin = self._registry.get(model)
        if model_admin is None:
            raise Http404("No such object")
        obj = model_admin.get_object(request, object_id)
        if obj is None or not model_admin.has_view_or_change_permission(request, obj):
            raise Http404("No such object")
        return shortcut(request, content_type_id, object_id)
