"""allauth's account adapter (settings.ACCOUNT_ADAPTER): an instructor who logs
in lands on their teaching dashboard, a student on My learning, and anyone
sent to log in on the way to a page goes back to it (allauth's `next`)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.shortcuts import resolve_url

from teaching.policies import can_teach


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        if can_teach(request.user):
            return resolve_url("teaching:dashboard")
        return super().get_login_redirect_url(request)
