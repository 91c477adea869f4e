"""`manage.py check --deploy`: a proxy in front without the client's address known."""

from django.conf import settings
from django.core.checks import Warning, register


@register("security", deploy=True)
def client_address_check(app_configs, **kwargs):
    behind_proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None) is not None
    if (
        behind_proxy
        and not settings.ALLAUTH_TRUSTED_PROXY_COUNT
        and not settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER
    ):
        return [
            Warning(
                "BEHIND_TLS_PROXY is set but no proxy is trusted for the client's address: every request "
                "seems to come from the proxy, so a few failed logins from anyone lock everyone out.",
                hint="Set TRUSTED_PROXY_COUNT=1 behind nginx as in deploy/ (or CLIENT_IP_HEADER=X-Real-IP).",
                id="lms.W001",
            )
        ]
    return []
