from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    # What the Instructors group may do with this app's models (lms.services):
    # see the purchases of their courses; money records are written by Stripe's events only.
    instructor_permissions = {"purchase": ("view",)}

    def ready(self) -> None:
        from payments import (
            checks,  # noqa: F401 - registers the deploy checks
            sections,  # noqa: F401 - the buy button on course pages
        )
