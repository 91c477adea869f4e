"""`manage.py check --deploy`: e-mail links need the site's public origin."""

from django.conf import settings
from django.core.checks import Warning, register


@register("notifications", deploy=True)
def site_url_check(app_configs, **kwargs):
    if settings.SITE_URL:
        return []
    return [
        Warning(
            "SITE_URL is empty: links in e-mails (unsubscribe, certificates, replies) would point at "
            "http://127.0.0.1:8000.",
            hint="Set SITE_URL to the public origin, e.g. https://learn.example.com.",
            id="notifications.W001",
        )
    ]
