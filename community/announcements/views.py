from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from community.announcements.forms import AnnouncementForm
from community.announcements.policies import courses_announceable_by
from community.announcements.services import announcement_publish


@require_http_methods(["GET", "HEAD", "POST"])
def announcement_new(request, slug: str):
    # Through the courses the user teaches: to anyone else the page does not exist.
    course = courses_announceable_by(request.user).filter(slug=slug).first()
    if course is None:
        raise Http404("No such course")
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        announcement = announcement_publish(
            course=course,
            author=request.user,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            token=form.cleaned_data["token"],
        )
        count = announcement.recipients
        messages.success(
            request, f"Your announcement is on its way to {count} student{'s' if count != 1 else ''}."
        )
        return redirect(announcement)
    return render(request, "community/announcements/new.html", {"course": course, "form": form})
