"""Reads about reviews. Every page that shows them runs a fixed number of
queries, whatever the number of reviews."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet

from community.models import CourseRating, Review
from enrollments.models import Enrollment

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from courses.models import Course
    from lms.models import User

REVIEW_SORTS = {
    "newest": ("-created_at", "-pk"),
    "highest": ("-rating", "-created_at", "-pk"),
    "lowest": ("rating", "-created_at", "-pk"),
}
DEFAULT_REVIEW_SORT = "newest"
COURSE_PAGE_REVIEWS = 10


def reviews_counted(
    *, course_id: int | None = None, courses: QuerySet[Course] | None = None
) -> QuerySet[Review]:
    """The reviews that count, on the pages and in the figures: not hidden by
    staff, and written by a student whose enrollment is active. Of one course
    (`course_id`) or of several (`courses`)."""
    author_active = Enrollment.objects.filter(
        user=OuterRef("user"), course=OuterRef("course"), status=Enrollment.Status.ACTIVE
    )
    reviews = (
        Review.objects.filter(course_id=course_id)
        if courses is None
        else Review.objects.filter(course__in=courses)
    )
    return reviews.filter(hidden_at__isnull=True).filter(Exists(author_active))


def reviews_for_course(*, course: Course, sort: str = DEFAULT_REVIEW_SORT) -> QuerySet[Review]:
    ordering = REVIEW_SORTS.get(sort, REVIEW_SORTS[DEFAULT_REVIEW_SORT])
    return reviews_counted(course_id=course.pk).select_related("user").order_by(*ordering)


def course_rating_of(course: Course) -> CourseRating:
    """The course's figures, from those annotated on it with its page's own
    query (`enrollments.selectors.course_get_visible`, community/sections.py): no query."""
    return CourseRating(
        course=course,
        count=course.rating_count,
        average=course.rating_average,
        **{f"stars_{n}": getattr(course, f"rating_stars_{n}") for n in range(1, 6)},
    )


def viewer_review(*, user: User | AnonymousUser, course: Course) -> Review | None:
    if not user.is_authenticated:
        return None
    return Review.objects.filter(user=user, course=course).first()
