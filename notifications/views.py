from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from lms.models import User
from notifications import selectors, services
from notifications.emails import unsubscribe_token_read
from notifications.forms import EmailPreferencesForm
from notifications.models import EmailCategory, EmailPreferences

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


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def email_preferences(request):
    preferences = EmailPreferences.objects.filter(user=request.user).first() or EmailPreferences(
        user=request.user
    )
    form = EmailPreferencesForm(request.POST or None, instance=preferences)
    if request.method == "POST" and form.is_valid():
        services.email_preferences_set(
            user=request.user, **{name: form.cleaned_data[name] for name in form.fields}
        )
        messages.success(request, "Your e-mail preferences are saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@csrf_exempt  # RFC 8058: mail providers POST here with no cookies and no CSRF token
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    """A signed link in every e-mail but receipts: GET asks, POST turns that
    kind of e-mail off (one click, no login)."""
    found = unsubscribe_token_read(token)
    if found is None:
        raise Http404("This unsubscribe link is not valid")
    user_id, category = found
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise Http404("This unsubscribe link is not valid")
    label = EmailCategory(category).label
    if request.method == "POST":
        services.email_preferences_set(user=user, **{category: False})
        return render(request, "notifications/unsubscribed.html", {"label": label})
    return render(request, "notifications/unsubscribe.html", {"label": label, "token": token})
