"""The teaching dashboard (/teach/): for instructors and superusers; anyone
else logged in gets the friendly 404, and a visitor is sent to log in first
(before anything is looked up, so nothing is told about what exists)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from teaching.policies import can_teach
from teaching.selectors.counted import COUNTS_CACHE_SECONDS
from teaching.selectors.dashboard import dashboard_get
from teaching.views.common import teaching_dashboard_versions, teaching_page_cached


def _instructor_id(request) -> int | None:
    """`?instructor=<id>`: a superuser narrows the page to one instructor's courses."""
    value = request.GET.get("instructor", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def _page(request) -> int:
    """`?page=<n>` of the course rows; anything else is the first."""
    value = request.GET.get("page", "")
    return int(value) if value.isdigit() and 0 < len(value) < 7 and int(value) > 0 else 1


@teaching_page_cached(teaching_dashboard_versions)
@require_safe
@login_required
def dashboard(request):
    if not can_teach(request.user):
        raise Http404("No such page")
    board = dashboard_get(
        user=request.user, now=timezone.now(), instructor_id=_instructor_id(request), page=_page(request)
    )
    if not board.rows and board.page.has_previous:  # past the last page: the first
        query = request.GET.copy()
        query.pop("page")
        return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
    return render(
        request, "teaching/dashboard.html", {"board": board, "counts_cache_seconds": COUNTS_CACHE_SECONDS}
    )
