from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class LmsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms"
    verbose_name = "Accounts"


class DoctrinaAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with Doctrina's site (lms.admin_site) as `admin.site`."""

    default = False  # named explicitly in INSTALLED_APPS; "lms" itself is LmsConfig
    default_site = "lms.admin_site.DoctrinaAdminSite"
