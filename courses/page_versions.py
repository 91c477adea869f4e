"""The version names of the anonymous page cache (lms/page_cache.py) for what
`courses` shows, and the receivers that bump them on every write of its content.

- "catalogue": the catalogue's pages, every query string included. Any course
  written (status, price, title…), any curriculum change (cards show lesson
  counts and durations) and any category change bumps it; so do the figures
  apps above register on cards (enrollments: students; community: ratings).
- "course:<slug>": the course page and its lesson pages (the course's fields,
  curriculum, lesson content, quiz figures; student count and reviews from the
  apps above). Named by slug, the part of the address the page is found by, so
  that a request knows its key before it reads anything.

Receivers are connected by `CoursesConfig.ready`. Writes that send no model
signal (bulk updates of lessons and modules) are announced by
`courses.signals.curriculum_changed`, which bumps too."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from courses.models import Category, Course, Lesson, Module, Question, Quiz
from courses.signals import curriculum_changed
from lms.page_cache import version_bump

CATALOGUE = "catalogue"


def course_version_name(slug: str) -> str:
    return f"course:{slug}"


def course_page_versions(*, slug: str, **kwargs) -> list[str]:
    """What a course page, or one of its lesson pages, shows (page_cached's `versions`)."""
    return [course_version_name(slug)]


def course_talk_version_name(slug: str) -> str:
    """What people say in a course that only those who take or teach it see (its
    announcements, its lessons' discussions): bumped by the community app,
    shown by the logged-in page cache (lms/user_page_cache.py), never by the
    anonymous one, so a question asked does not renew every visitor's page."""
    return f"course-talk:{slug}"


def course_own_page_versions(*, slug: str, **kwargs) -> list[str]:
    """What a course page, or one of its lesson pages, shows to someone logged in
    (user_page_cached's `versions`; their own rows are their own version)."""
    return [course_version_name(slug), course_talk_version_name(slug)]


def catalogue_page_versions(**kwargs) -> list[str]:
    return [CATALOGUE]


def course_pages_bump(*, slugs: Iterable[str] = (), course_ids: Iterable[int] = ()) -> None:
    """A write changed what the pages of these courses show (and so their cards in
    the catalogue). Courses named by id cost one query for their slugs."""
    slugs = set(slugs)
    course_ids = set(course_ids)
    if course_ids:
        slugs.update(Course.objects.filter(pk__in=course_ids).values_list("slug", flat=True))
    version_bump(CATALOGUE, *(course_version_name(slug) for slug in sorted(slugs)))


def course_slug_of(instance, *path: str) -> str | None:
    """The slug of the course at the end of `path` (field names) from `instance`,
    read from the related objects already loaded (no query), else None."""
    current = instance
    for name in path:
        if not current._meta.get_field(name).is_cached(current):
            return None
        current = getattr(current, name)
    return current.slug if isinstance(current, Course) else None


def _course_saving(sender, instance: Course, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw or instance.pk is None or (update_fields is not None and "slug" not in update_fields):
        return
    # A changed slug leaves its old address: a page cached there must not be served.
    old = Course.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
    if old and old != instance.slug:
        course_pages_bump(slugs=[old])


def _course_written(sender, instance: Course, raw: bool = False, **kwargs) -> None:
    if not raw:
        course_pages_bump(slugs=[instance.slug])


def _categories_changed(sender, action: str, **kwargs) -> None:
    # Only the catalogue shows categories (its filter, and which courses each lists).
    if action.startswith("post_"):
        version_bump(CATALOGUE)


def _category_written(sender, instance, raw: bool = False, **kwargs) -> None:
    if not raw:
        version_bump(CATALOGUE)


def _module_written(sender, instance: Module, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    slug = course_slug_of(instance, "course")
    course_pages_bump(slugs=[slug]) if slug else course_pages_bump(course_ids=[instance.course_id])


def _lesson_written(sender, instance: Lesson, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    slug = course_slug_of(instance, "module", "course")
    if slug:
        course_pages_bump(slugs=[slug])
    else:
        course_pages_bump(
            slugs=Course.objects.filter(modules=instance.module_id).values_list("slug", flat=True)
        )


def _quiz_written(sender, instance: Quiz, raw: bool = False, **kwargs) -> None:
    if not raw:
        slugs = Course.objects.filter(modules__lessons=instance.lesson_id).values_list("slug", flat=True)
        course_pages_bump(slugs=list(slugs))


def _question_written(sender, instance: Question, raw: bool = False, **kwargs) -> None:
    if not raw:
        slugs = Course.objects.filter(modules__lessons__quiz=instance.quiz_id).values_list("slug", flat=True)
        course_pages_bump(slugs=list(slugs))


def _curriculum_changed(sender, course_ids: Iterable[int], **kwargs) -> None:
    course_pages_bump(course_ids=course_ids)


def connect() -> None:
    """Called by CoursesConfig.ready."""
    pre_save.connect(_course_saving, sender=Course, dispatch_uid="page_cache.course_saving")
    for signal in (post_save, post_delete):
        name = "saved" if signal is post_save else "deleted"
        signal.connect(_course_written, sender=Course, dispatch_uid=f"page_cache.course_{name}")
        signal.connect(_category_written, sender=Category, dispatch_uid=f"page_cache.category_{name}")
        signal.connect(_module_written, sender=Module, dispatch_uid=f"page_cache.module_{name}")
        signal.connect(_lesson_written, sender=Lesson, dispatch_uid=f"page_cache.lesson_{name}")
        signal.connect(_quiz_written, sender=Quiz, dispatch_uid=f"page_cache.quiz_{name}")
        signal.connect(_question_written, sender=Question, dispatch_uid=f"page_cache.question_{name}")
    m2m_changed.connect(
        _categories_changed, sender=Course.categories.through, dispatch_uid="page_cache.course_categories"
    )
    curriculum_changed.connect(_curriculum_changed, dispatch_uid="page_cache.curriculum_changed")
