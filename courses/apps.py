from django.apps import AppConfig

AUTHORING = ("add", "change", "delete", "view")


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"
    # What the Instructors group may do with this app's models (lms.services);
    # which rows they may touch is `courses.policies`' answer.
    instructor_permissions = {
        model: AUTHORING for model in ("course", "module", "lesson", "quiz", "question", "choice")
    }

    def ready(self) -> None:
        from courses import page_versions

        page_versions.connect()  # the anonymous page cache's versions (lms/page_cache.py)
