"""The student's pages: a course, a lesson, My learning. Each view asks one
selector and renders."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from enrollments.policies import LessonAccess
from learning.forms import SubmissionForm
from learning.selectors.certificates import certificate_get
from learning.selectors.pages import course_page_get, lesson_page_get
from learning.selectors.progress import dashboard_enrollments


@require_safe
def course_detail(request, slug: str):
    page = course_page_get(slug=slug, viewer=request.user)
    if page is None:
        raise Http404("No such course")
    return render(request, "learning/course_detail.html", {"page": page, "course": page.course})


@require_safe
def lesson_detail(request, slug: str, lesson_id: int):
    page = lesson_page_get(slug=slug, lesson_id=lesson_id, viewer=request.user)
    if page is None or page.access is LessonAccess.NOT_FOUND:
        raise Http404("No such lesson")
    if page.access is LessonAccess.LOGIN_REQUIRED:
        return redirect_to_login(request.get_full_path())
    context = {"page": page, "course": page.course, "lesson": page.lesson}
    if page.access is LessonAccess.ENROLLMENT_REQUIRED:
        # Explain instead of a bare 403: this is where a student decides to enroll or buy.
        return render(request, "learning/lesson_locked.html", context, status=403)
    if page.is_enrolled and page.lesson.kind == page.lesson.Kind.ASSIGNMENT:
        context["submission_form"] = SubmissionForm()
    return render(request, "learning/lesson_detail.html", context)


@require_safe
@login_required
def dashboard(request):
    enrollments = dashboard_enrollments(user=request.user)
    return render(request, "learning/dashboard.html", {"enrollments": enrollments})


@require_safe
def certificate_detail(request, code: str):
    """Public: an employer verifies a certificate without an account."""
    certificate = certificate_get(code=code)
    if certificate is None:
        raise Http404("No such certificate")
    url = request.build_absolute_uri(certificate.get_absolute_url())
    return render(request, "learning/certificate.html", {"certificate": certificate, "share_url": url})
