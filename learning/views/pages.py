"""The student's pages: a course, a lesson, My learning. Each view asks one
selector and renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from courses.models import Lesson
from courses.page_versions import catalogue_page_versions, course_own_page_versions, course_page_versions
from enrollments.policies import LessonAccess, lesson_access
from enrollments.selectors import viewer_enrollment
from learning.forms import SubmissionForm
from learning.selectors.certificates import certificate_get
from learning.selectors.pages import LessonPage, course_completion_get, course_page_get, lesson_page_get
from learning.selectors.progress import dashboard_enrollments
from lms.page_cache import page_cached
from lms.user_page_cache import user_page_cached


@require_safe
@page_cached(course_page_versions)
@user_page_cached(course_own_page_versions)
def course_detail(request, slug: str):
    page = course_page_get(slug=slug, viewer=request.user)
    if page is None:
        raise Http404("No such course")
    return render(request, "learning/course_detail.html", {"page": page, "course": page.course})


def _refusal(request, page: LessonPage | None) -> HttpResponse | None:
    if page is None or page.access is LessonAccess.NOT_FOUND:
        raise Http404("No such lesson")
    if page.access in (LessonAccess.LOGIN_REQUIRED, LessonAccess.ENROLLMENT_REQUIRED):
        # Explain instead of a bare 403 or a bare log-in page: this is where a visitor
        # decides to sign up (or log in) and a student to enroll or buy, and both come back here.
        context = {"page": page, "course": page.course, "lesson": page.lesson}
        return render(request, "learning/lesson_locked.html", context, status=403)
    if page.access is LessonAccess.NOT_YET_OPEN:
        # A scheduled module (drip): say when it opens rather than a bare 403.
        context = {"page": page, "course": page.course, "lesson": page.lesson, "opens_at": page.opens_at}
        return render(request, "learning/lesson_not_open.html", context, status=403)
    return None


def lesson_refusal(request, lesson: Lesson) -> HttpResponse | None:
    """The lesson page's answer to a viewer who may not open `lesson` (loaded
    with its module and course): the 403 page that offers signing up or
    enrolling, the 403 page that says when its module opens (drip), the 404;
    None when they may. The pages of a lesson's parts (a
    quiz attempt, its result, a submitted file) ask here, so a student whose
    access was revoked sees none of them. One query (the viewer's enrollment) when they may."""
    course = lesson.module.course
    enrollment = viewer_enrollment(user=request.user, course=course)
    is_enrolled = bool(enrollment and enrollment.is_active)
    access = lesson_access(
        request.user,
        lesson,
        course=course,
        has_active_enrollment=is_enrolled,
        enrolled_at=enrollment.enrolled_at if is_enrolled else None,
    )
    if access is LessonAccess.ALLOWED:
        return None
    page = lesson_page_get(slug=course.slug, lesson_id=lesson.pk, viewer=request.user)
    return _refusal(request, page)


@require_safe
@page_cached(course_page_versions)
@user_page_cached(course_own_page_versions)
def lesson_detail(request, slug: str, lesson_id: int):
    page = lesson_page_get(slug=slug, lesson_id=lesson_id, viewer=request.user)
    refusal = _refusal(request, page)
    if refusal is not None:
        return refusal
    if page.archived and not page.can_edit:
        # Out of the course (courses.services.archive): it takes no more work, and
        # what the student did on it is listed on the course page.
        messages.info(
            request,
            f"“{page.lesson.title}” was taken out of the course by your instructor. "
            "Your work on it is kept under Archived lessons.",
        )
        return redirect(f"{page.course.get_absolute_url()}#archived-lessons")
    return lesson_page_render(request, page)


def lesson_page_render(
    request, page: LessonPage, *, submission_form: SubmissionForm | None = None, status: int = 200
) -> HttpResponse:
    """The lesson page of a viewer who may open it; `submission_form` is a sent
    assignment form that comes back with its errors and the student's text."""
    context = {"page": page, "course": page.course, "lesson": page.lesson}
    if page.is_enrolled and page.lesson.kind == page.lesson.Kind.ASSIGNMENT:
        context["submission_form"] = submission_form or SubmissionForm()
    return render(request, "learning/lesson_detail.html", context, status=status)


@require_safe
def course_completed(request, slug: str):
    """The page the last lesson leads to: congratulations, the certificate and
    what other apps add (community: a review prompt). Only for a student who
    has completed the whole course; anyone else who may see the course is sent
    to its page."""
    page = course_completion_get(slug=slug, viewer=request.user)
    if page is None:
        raise Http404("No such course")
    if not page.is_completed:
        return redirect(page.course)
    return render(request, "learning/course_completed.html", {"page": page, "course": page.course})


@require_safe
@login_required
@user_page_cached(catalogue_page_versions)  # every course's card, and their own enrollments
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
