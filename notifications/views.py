from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from notifications import selectors, services

NOTIFICATIONS_PAGE_SIZE = 20


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def notification_list(request):
    if request.method == "POST":
        mark_all = bool(request.POST.get("all"))
        if mark_all == bool(request.POST.get("notification")):
            # Neither, or both: which did the user mean? Change nothing (the site's 400 page).
            raise BadRequest("Mark one notification or all of them.")
        if mark_all:
            services.notifications_mark_read(user=request.user)
        else:
            try:
                notification_id = int(request.POST["notification"])
            except ValueError:
                raise BadRequest("Say which notification to mark as read.") from None
            # Scoped to the user inside the service: another's id changes nothing.
            services.notifications_mark_read(user=request.user, notification_id=notification_id)
        page_number = request.POST.get("page", "")
        url = reverse("notifications:list")
        return redirect(f"{url}?page={page_number}" if page_number.isdigit() else url)
    page = Paginator(selectors.notifications_for(user=request.user), NOTIFICATIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page": page})
