"""The reviews of a course: the list (GET) and the student's review (POST) at
/courses/<slug>/reviews/, deleting it, and the instructor's answers."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from community import selectors
from community.forms import AnswerForm, ReviewForm
from community.policies import review_refusal, reviews_answerable_by
from community.services import ReviewNotAllowed, review_answer, review_delete, review_save
from courses.page_versions import course_page_versions
from courses.policies import can_edit_course
from enrollments.selectors import course_get_visible, viewer_enrollment
from learning.selectors.percentages import progress_current_annotation, progress_current_apply
from lms.page_cache import page_cached

REVIEWS_PAGE_SIZE = 10


def _course_or_404(request, slug: str):
    course = course_get_visible(slug=slug, viewer=request.user)
    if course is None:
        raise Http404("No such course")
    return course


def _reviews_page(request, course, *, status: int = 200, review_form=None, answering=None):
    """The reviews page; a refused or invalid POST renders it again with its
    form (`answering`: review id -> the instructor's refused AnswerForm)."""
    sort = request.GET.get("sort", selectors.DEFAULT_REVIEW_SORT)
    if sort not in selectors.REVIEW_SORTS:
        sort = selectors.DEFAULT_REVIEW_SORT
    page = Paginator(selectors.reviews_for_course(course=course, sort=sort), REVIEWS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for review in page.object_list:
        review.answer_form = (answering or {}).get(review.pk)  # a refused answer, with its errors
    enrollment = viewer_enrollment(user=request.user, course=course, **progress_current_annotation())
    progress_current_apply([enrollment])
    own = selectors.viewer_review(user=request.user, course=course)
    if review_form is None and own is not None:
        review_form = ReviewForm(initial={"rating": own.rating, "body": own.body})
    context = {
        "course": course,
        "page": page,
        "sort": sort,
        "page_params": f"sort={sort}&",
        "rating": selectors.course_rating_of(course),
        "own": own,
        "refusal": review_refusal(user=request.user, course=course, enrollment=enrollment),
        "review_form": review_form or ReviewForm(),
        "can_answer": can_edit_course(request.user, course),
    }
    return render(request, "community/reviews.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@page_cached(course_page_versions)  # a visitor's GET: its reviews bump the course's version
def reviews(request, slug: str):
    course = _course_or_404(request, slug)
    if request.method != "POST":
        return _reviews_page(request, course)
    if not request.user.is_authenticated:
        return redirect_to_login(course.get_absolute_url())
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _reviews_page(request, course, status=400, review_form=form)
    try:
        saved = review_save(
            user=request.user,
            course=course,
            rating=form.cleaned_data["rating"],
            body=form.cleaned_data["body"],
        )
    except ReviewNotAllowed as refusal:
        form.add_error(None, str(refusal))
        return _reviews_page(request, course, status=403, review_form=form)
    messages.success(
        request, "Thank you: your review is published." if saved.created else "Your review is updated."
    )
    return redirect(f"{course.get_absolute_url()}#reviews")


@require_POST
def review_remove(request, slug: str):
    course = _course_or_404(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(course.get_absolute_url())
    if review_delete(user=request.user, course=course):
        messages.info(request, "Your review is deleted.")
    return redirect(f"{course.get_absolute_url()}#reviews")


@require_POST
def review_answer_save(request, slug: str, review_id: int):
    # Fetched through the courses the user teaches: anyone else's id is a 404.
    review = reviews_answerable_by(request.user).filter(pk=review_id, course__slug=slug).first()
    if review is None:
        raise Http404("No such review")
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _reviews_page(request, _course_or_404(request, slug), status=400, answering={review.pk: form})
    review_answer(review=review, body=form.cleaned_data["body"])
    messages.success(request, "Your answer is published.")
    return redirect(f"{reverse('community:reviews', kwargs={'slug': slug})}#review-{review.pk}")
