from django.apps import AppConfig


class CommunityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "community"
    # What the Instructors group may do with this app's models (lms.services):
    # see the reviews of their courses (they answer on the course page; hiding is for staff).
    instructor_permissions = {
        "review": ("view",),
        "announcement": ("add", "view"),
        "question": ("view", "change"),  # discussions: hide and show the posts of their courses
        "reply": ("view", "change"),
    }

    def ready(self) -> None:
        from community import page_versions, receivers, sections  # noqa: F401 - connects them, registers them
        from community.discussions import sections as discussions  # noqa: F401 - registers them

        page_versions.connect()  # the anonymous page cache: reviews and ratings (lms/page_cache.py)
        from community.discussions import page_versions as talk

        talk.connect()  # the logged-in page cache: announcements and discussions (lms/user_page_cache.py)
