"""What community adds to pages other apps host: the rating on every course
card and on the course page (card figures, courses/catalogue.py), a "Highest
rated" order and a rating filter for the catalogue, the reviews section of the course page
(page slots, lms/sections.py) and an instructor's average rating on their page
(instructor figures, courses/instructors.py, and the `instructor_page.meta` slot).
Imported by `CommunityConfig.ready`."""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case, Expression, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from community.forms import ReviewForm
from community.fragments import course_fragments_get
from community.models import CourseRating
from community.policies import review_refusal
from community.selectors import viewer_review
from courses.catalogue import catalogue_filter_register, catalogue_sort_register, course_figure_register
from courses.instructors import instructor_figure_register
from courses.models import Course
from lms.sections import section_register

# Fewer ratings than this and a course's average says little: "Highest rated" lists it after the others.
RATED_AT = 3


def _rating_figure(field: str, default: Expression | None) -> Any:
    def figure(course_ref: str) -> Expression:
        value = Subquery(CourseRating.objects.filter(course=OuterRef(course_ref)).values(field)[:1])
        return Coalesce(value, default) if default is not None else value

    return figure


def _instructor_rating_sum(value: Expression) -> Any:
    def figure(user_ref: str) -> Expression:
        ratings = (
            CourseRating.objects.filter(
                course__instructor=OuterRef(user_ref), course__status=Course.Status.PUBLISHED
            )
            .order_by()
            .values("course__instructor")
            .annotate(total=Sum(value))
            .values("total")
        )
        return Coalesce(Subquery(ratings, output_field=IntegerField()), Value(0))

    return figure


def instructor_rating_context(context: Mapping[str, Any]) -> dict[str, Any] | None:
    """The average of the figures annotated on the instructor (no query); no
    section while nobody rated their courses."""
    instructor = context["instructor"]
    count = getattr(instructor, "rating_count", 0)
    if not count:
        return None
    average = (Decimal(instructor.rating_points) / count).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return {"rating_average": average, "rating_count": count}


def _shows_announcements(page: Any) -> bool:
    """The course's students and its authors read its announcements; nobody else."""
    return page.is_enrolled or page.can_edit


def course_announcements_context(context: Mapping[str, Any]) -> dict[str, Any] | None:
    """The shared list (community/fragments.py: no query when cached), for the
    course's students and its authors only; nothing for anyone else."""
    page = context["page"]  # learning.selectors.pages.CoursePage
    if not _shows_announcements(page):
        return None
    fragments = course_fragments_get(course=page.course, request=context.get("request"), announcements=True)
    return {"announcements_html": fragments.announcements, "can_announce": page.can_edit}


def completed_review_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """The review prompt of the course-completed page: the student's own review
    to change, or the form to write one (one query)."""
    page = context["page"]  # learning.selectors.pages.CompletionPage
    own = viewer_review(user=context["user"], course=page.course)
    initial = {"rating": own.rating, "body": own.body} if own else None
    return {
        "own": own,
        "refusal": review_refusal(user=context["user"], course=page.course, enrollment=page.enrollment),
        "review_form": ReviewForm(initial=initial),
    }


def course_reviews_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """The shared part (the figures, the newest reviews: community/fragments.py,
    no query when cached) and the viewer's own: their review (one query for
    the logged-in) and the form to write or change it."""
    page = context["page"]  # learning.selectors.pages.CoursePage
    user = context["user"]
    fragments = course_fragments_get(
        course=page.course, request=context.get("request"), announcements=_shows_announcements(page)
    )
    own = viewer_review(user=user, course=page.course)
    initial = {"rating": own.rating, "body": own.body} if own else None
    return {
        "shared": fragments.reviews,
        "own": own,
        "refusal": review_refusal(user=user, course=page.course, enrollment=page.enrollment),
        "can_answer": page.can_edit,
        "review_form": ReviewForm(initial=initial),
    }


course_figure_register("rating_average", _rating_figure("average", None))
course_figure_register("rating_count", _rating_figure("count", Value(0)))
for _stars in range(1, 6):  # the distribution: the course page only
    course_figure_register(
        f"rating_stars_{_stars}", _rating_figure(f"stars_{_stars}", Value(0)), on_cards=False
    )
catalogue_sort_register(
    "rating",
    label="Highest rated",
    ordering=[
        Case(When(rating_count__gte=RATED_AT, then=Value(0)), default=Value(1), output_field=IntegerField()),
        F("rating_average").desc(nulls_last=True),
        "-rating_count",
        "-created_at",
        "-pk",
    ],
    position=25,
)
catalogue_filter_register(
    "rating",
    label="Rating",
    options=[
        ("4.5", "4.5 stars & up"),
        ("4", "4 stars & up"),
        ("3.5", "3.5 stars & up"),
        ("3", "3 stars & up"),
    ],
    # A course nobody rated yet has no average: it is not "3 stars & up".
    condition=lambda value: Q(rating_average__gte=Decimal(value)),
    position=20,
)
# An instructor's page: the average over every counted review of their published courses.
instructor_figure_register("rating_count", _instructor_rating_sum(F("count")))
instructor_figure_register(
    "rating_points", _instructor_rating_sum(sum(F(f"stars_{n}") * n for n in range(2, 6)) + F("stars_1"))
)
section_register(
    "instructor_page.meta",
    template="community/includes/instructor_rating_meta.html",
    context=instructor_rating_context,
)
section_register("course_card.meta", template="community/includes/rating_meta.html")
section_register("course_page.meta", template="community/includes/rating_meta.html")
section_register(
    "course_page.main",
    template="community/announcements/includes/course_announcements.html",
    context=course_announcements_context,
    order=10,
)
section_register(
    "course_page.main",
    template="community/includes/course_reviews.html",
    context=course_reviews_context,
    order=20,
)
section_register(
    "course_completed.main",
    template="community/includes/completed_review.html",
    context=completed_review_context,
    order=10,
)
