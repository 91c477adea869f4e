from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class LmsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.urls import register_converter

        from lms import checks  # noqa: F401 - registers the deploy checks
        from lms.converters import IdConverter

        register_converter(IdConverter, "id")  # `<id:…>` in urls.py: before the URL conf is loaded

        # After every `migrate`, the Instructors group gets the permissions the apps
        # declare now (a new app's models included), without waiting for the next
        # make_instructor.
        post_migrate.connect(_instructors_group_refresh, dispatch_uid="lms.instructors_group")

        from lms import page_cache

        page_cache.connect()  # the anonymous page cache: people's names, and a new site after `migrate`
        from lms import user_page_cache

        user_page_cache.connect()  # the logged-in page cache: every write of a user's own rows


def _instructors_group_refresh(sender, using="default", **kwargs) -> None:
    # post_migrate is sent once per installed app that has models, in order, after the
    # permissions of that app are created: the last one sees every app's permissions.
    from django.apps import apps as registry
    from django.contrib.auth.models import Group

    from lms.services import INSTRUCTORS_GROUP, instructors_group_sync

    with_models = [config for config in registry.get_app_configs() if config.models_module is not None]
    if sender.label != with_models[-1].label:
        return
    if Group.objects.using(using).filter(name=INSTRUCTORS_GROUP).exists():
        instructors_group_sync()


class DoctrinaAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with Doctrina's site (lms.admin_site) as `admin.site`."""

    default = False  # named explicitly in INSTALLED_APPS; "lms" itself is LmsConfig
    default_site = "lms.admin_site.DoctrinaAdminSite"
