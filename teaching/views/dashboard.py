"""The teaching dashboard (/teach/): for instructors and superusers; anyone
else logged in gets the friendly 404, and a visitor is sent to log in first
(before anything is looked up, so nothing is told about what exists)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from teaching.policies import can_teach
from teaching.selectors.dashboard import dashboard_get


def _instructor_id(request) -> int | None:
    """`?instructor=<id>`: a superuser narrows the page to one instructor's courses."""
    value = request.GET.get("instructor", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


@require_safe
@login_required
def dashboard(request):
    if not can_teach(request.user):
        raise Http404("No such page")
    board = dashboard_get(user=request.user, now=timezone.now(), instructor_id=_instructor_id(request))
    return render(request, "teaching/dashboard.html", {"board": board})
