from django.apps import AppConfig


class LearningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learning"
    # What the Instructors group may do with this app's models (lms.services):
    # they review students' work, never add or delete it, and see the certificates of their courses.
    instructor_permissions = {"submission": ("view", "change"), "certificate": ("view",)}

    def ready(self) -> None:
        from learning import receivers  # noqa: F401 - connects them
