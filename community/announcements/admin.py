"""Announcements in the admin: an instructor writes one to a course they teach
(published through `announcement_publish`, like the form on the site) and sees
those of their courses. An announcement once sent is not edited or deleted:
the students have it already."""

from django.contrib import admin

from community.announcements.models import Announcement
from community.announcements.policies import courses_announceable_by
from community.announcements.services import announcement_publish
from courses.policies import in_courses_authored_by


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "author", "recipients", "created_at"]
    list_select_related = ["course", "author"]
    search_fields = ["title", "course__title"]
    date_hierarchy = "created_at"
    fields = ["course", "title", "body"]

    def get_queryset(self, request):
        return in_courses_authored_by(Announcement.objects.all(), request.user, course="course")

    def get_readonly_fields(self, request, obj=None):
        return ["course", "title", "body", "author", "recipients", "created_at"] if obj else []

    def get_fields(self, request, obj=None):
        return (
            ["course", "title", "body", "author", "recipients", "created_at"]
            if obj
            else ["course", "title", "body"]
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "course":
            kwargs["queryset"] = courses_announceable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        published = announcement_publish(
            course=obj.course, author=request.user, title=obj.title, body=obj.body
        )
        obj.pk = published.pk  # the admin's "was added" message and redirect name this row
