from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from lms.images import image_open, rendition
from lms.models import PHOTO_SIDE, User
from lms.storage import public_storage

INSTRUCTORS_GROUP = "Instructors"


def instructors_group_sync() -> Group:
    """Create or update the "Instructors" group so that it holds what each app
    lets instructors do with its models: the `instructor_permissions` of its
    AppConfig ({model name: actions}), e.g. courses' content (add, change,
    delete, view), learning's submissions (view, change), payments' purchases
    (view). Idempotent: called by every `user_make_instructor` and by `seed_demo`."""
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    wanted = Q(pk__in=[])
    for config in apps.get_app_configs():
        for model, actions in getattr(config, "instructor_permissions", {}).items():
            codenames = [f"{action}_{model}" for action in actions]
            wanted |= Q(content_type__app_label=config.label, codename__in=codenames)
    group.permissions.set(Permission.objects.filter(wanted))
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


@transaction.atomic
def user_profile_save(*, user: User) -> User:
    """Save the account as a form changed it (the admin's user page, an
    instructor's profile form). A newly uploaded photo (checked by the field's
    validator) is stored as our own square WebP of PHOTO_SIDE pixels, without
    the original's metadata; the photo it replaces is deleted after the commit."""
    upload = user.photo if user.photo and not user.photo._committed else None
    previous = User.objects.filter(pk=user.pk).values_list("photo", flat=True).first() if user.pk else None
    if upload is not None:
        image = image_open(upload.file)
        side = min(PHOTO_SIDE, image.width, image.height)
        user.photo.save("photo.webp", rendition(image, width=side, height=side), save=False)
    user.save()
    if previous and previous != user.photo.name:
        transaction.on_commit(lambda: public_storage().delete(previous))
    return user
