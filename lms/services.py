from django.contrib.auth.models import Group, Permission
from django.db import transaction

from lms.models import User

INSTRUCTORS_GROUP = "Instructors"

# The models an instructor authors in the admin. Later apps add theirs here.
INSTRUCTOR_MODEL_PERMISSIONS: dict[str, list[str]] = {
    "courses": ["course", "module", "lesson", "quiz", "question", "choice"],
}
# Instructors review students' work: they see and decide, never add or delete.
INSTRUCTOR_REVIEW_PERMISSIONS: dict[str, list[str]] = {
    "enrollments": ["submission"],
}
INSTRUCTOR_VIEW_ONLY_PERMISSIONS: dict[str, list[str]] = {
    "payments": ["purchase"],
}


def instructors_group_sync() -> Group:
    """Create or update the "Instructors" group so its permissions cover the
    course-content models (add, change, delete, view) and view on purchases.
    Idempotent: called by every `user_make_instructor` and by `seed_demo`."""
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    codenames = []
    for app_label, models in INSTRUCTOR_MODEL_PERMISSIONS.items():
        for model in models:
            codenames += [(app_label, f"{action}_{model}") for action in ("add", "change", "delete", "view")]
    for app_label, models in INSTRUCTOR_VIEW_ONLY_PERMISSIONS.items():
        codenames += [(app_label, f"view_{model}") for model in models]
    for app_label, models in INSTRUCTOR_REVIEW_PERMISSIONS.items():
        codenames += [(app_label, f"{action}_{model}") for model in models for action in ("view", "change")]
    wanted = Permission.objects.none()
    for app_label, codename in codenames:
        wanted |= Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    group.permissions.set(wanted)
    return group


@transaction.atomic
def user_make_instructor(*, user: User) -> User:
    """Let `user` author courses: staff access to the admin, the Instructors
    group, and `is_instructor`. Running it again changes nothing."""
    group = instructors_group_sync()
    user.is_instructor = True
    user.is_staff = True
    user.save(update_fields=["is_instructor", "is_staff"])
    user.groups.add(group)
    return user
