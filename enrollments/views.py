from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from courses.selectors import course_first_lesson
from enrollments.policies import courses_visible_to
from enrollments.services import EnrollmentNotAllowed, enrollment_create_free


@require_POST
def enroll(request, slug: str):
    course = courses_visible_to(request.user).filter(slug=slug).first()
    if course is None:
        raise Http404("No such course")
    if not request.user.is_authenticated:
        return redirect_to_login(course.get_absolute_url())
    try:
        result = enrollment_create_free(user=request.user, course=course)
    except EnrollmentNotAllowed as refusal:
        messages.error(request, str(refusal))
        return redirect(course)
    if result.created:
        messages.success(request, f"You are enrolled in “{course.title}”.")
    else:
        messages.info(request, "You are already enrolled in this course.")
    back = request.POST.get("next", "")
    if _is_page_of(course, back):
        return redirect(back)  # the lesson they enrolled from (a preview, a locked lesson)
    first = course_first_lesson(course=course)
    return redirect(first or course)


def _is_page_of(course, url: str) -> bool:
    """`url` is a path on this site under the course's own pages: nowhere else to be sent."""
    return (
        isinstance(url, str)
        and url.startswith(course.get_absolute_url())
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    )
