from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from courses import selectors
from courses.models import Course
from courses.policies import LessonAccess
from enrollments.forms import SubmissionForm
from enrollments.services import EnrollmentNotAllowed, enrollment_create_free

CATALOGUE_PAGE_SIZE = 12


@require_safe
def catalogue(request):
    # PostgreSQL refuses a NUL character in a text comparison: drop it rather than fail.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    if sort not in selectors.CATALOGUE_SORTS:
        sort = selectors.DEFAULT_SORT
    courses = selectors.catalogue_courses(query=query, sort=sort)
    # get_page: a page past the end shows the last page, garbage shows the first.
    page = Paginator(courses, CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/catalogue.html",
        {"page": page, "query": query, "sort": sort, "sorts": list(selectors.CATALOGUE_SORTS)},
    )


@require_safe
def course_detail(request, slug: str):
    page = selectors.course_get_with_curriculum(slug=slug, viewer=request.user)
    return render(request, "courses/course_detail.html", {"page": page, "course": page.course})


@require_safe
def lesson_detail(request, slug: str, lesson_id: int):
    page = selectors.lesson_get_for_viewer(slug=slug, lesson_id=lesson_id, viewer=request.user)
    if page.access is LessonAccess.NOT_FOUND:
        raise Http404("No such lesson")
    if page.access is LessonAccess.LOGIN_REQUIRED:
        return redirect_to_login(request.get_full_path())
    context = {"page": page, "course": page.course, "lesson": page.lesson}
    if page.access is LessonAccess.ENROLLMENT_REQUIRED:
        # Explain instead of a bare 403: this is where a student decides to enroll or buy.
        return render(request, "courses/lesson_locked.html", context, status=403)
    if page.is_enrolled and page.lesson.kind == page.lesson.Kind.ASSIGNMENT:
        context["submission_form"] = SubmissionForm()
    return render(request, "courses/lesson_detail.html", context)


@require_POST
def enroll(request, slug: str):
    course = Course.objects.published().filter(slug=slug).first()
    if course is None:
        raise Http404("No such course")
    if not request.user.is_authenticated:
        return redirect_to_login(course.get_absolute_url())
    try:
        result = enrollment_create_free(user=request.user, course=course)
    except EnrollmentNotAllowed:
        messages.error(request, "This course is not free: buy it to enroll.")
        return redirect(course)
    if result.created:
        messages.success(request, f"You are enrolled in “{course.title}”.")
    else:
        messages.info(request, "You are already enrolled in this course.")
    first = selectors.course_first_lesson(course=course)
    return redirect(first or course)
