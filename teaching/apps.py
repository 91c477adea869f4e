from django.apps import AppConfig


class TeachingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "teaching"
    verbose_name = "Teaching"

    def ready(self) -> None:
        from teaching import page_versions

        page_versions.connect()
