"""The lesson Q&A and the announcements of the demo catalogue (demo/catalogue.py
reads the file), checked entry by entry against the courses and accounts of the
file: a poster who may not post in the course (neither enrolled in it nor its
instructor; only its instructor announces), a lesson that is not in the course,
an accepted reply that does not exist, a natural key used twice, or more posts
by one student than the rate limit lets them send in one run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from community.announcements.models import ANNOUNCEMENT_MAX_LENGTH, Announcement
from community.discussions.models import POST_MAX_LENGTH, TITLE_MAX_LENGTH
from demo.catalogue_checks import CatalogueError, Spec, checked_table, unique
from demo.catalogue_courses import SeedCourse


@dataclass(frozen=True)
class SeedReply:
    author: str  # e-mail of a student enrolled in the course, or of its instructor
    body: str


@dataclass(frozen=True)
class SeedDiscussion:
    """A question on a lesson, its replies in the order posted, and the one its
    author accepted as the answer (`accepted_reply`: its number in `replies`,
    from 1; 0: none yet, so it waits on the instructor's unanswered list)."""

    course: str  # slug
    module: str  # title, in the course
    lesson: str  # title, in the module
    author: str
    title: str
    body: str
    replies: tuple[SeedReply, ...] = ()
    accepted_reply: int = 0

    @property
    def accepted(self) -> SeedReply | None:
        return self.replies[self.accepted_reply - 1] if self.accepted_reply else None


@dataclass(frozen=True)
class SeedAnnouncement:
    course: str  # slug
    author: str  # e-mail of the course's instructor
    title: str
    body: str


DISCUSSION: Spec = {
    "course": (str, True),
    "module": (str, True),
    "lesson": (str, True),
    "author": (str, True),
    "title": (str, True),
    "body": (str, True),
    "replies": (list, False),
    "accepted_reply": (int, False),
}

REPLY: Spec = {"author": (str, True), "body": (str, True)}

ANNOUNCEMENT: Spec = {
    "course": (str, True),
    "author": (str, True),
    "title": (str, True),
    "body": (str, True),
}


def _address(where: str, name: str, index: int, value: Any, *keys: str) -> str:
    """`catalogue.toml > discussions[2] ('Why…' on django-for-beginners)`, as far as the entry says."""
    address = f"{where} > {name}[{index}]"
    if isinstance(value, dict) and all(isinstance(value.get(key), str) for key in keys):
        first, *rest = (value[key] for key in keys)
        address += f" ({first!r}{''.join(f' on {more}' for more in rest)})"
    return address


def _text(table: dict[str, Any], key: str, where: str, limit: int) -> str:
    text = table[key].strip()
    if not text:
        raise CatalogueError(f"{where}: the {key!r} is empty")
    if len(text) > limit:
        raise CatalogueError(f"{where}: the {key!r} is longer than {limit:,} characters")
    return text


def _course(slug: str, where: str, courses: dict[str, SeedCourse]) -> SeedCourse:
    if slug not in courses:
        raise CatalogueError(f"{where}: course {slug!r} is no course here")
    return courses[slug]


def _poster(email: str, course: SeedCourse, where: str, enrollments: set[tuple[str, str]]) -> str:
    """Who posts in the course's discussions: its instructor, or a student enrolled in it."""
    if email != course.instructor and (email, course.slug) not in enrollments:
        raise CatalogueError(
            f"{where}: {email!r} may not post in {course.slug!r}: neither a student enrolled in it"
            " (see its 'enrolled_in') nor its instructor"
        )
    return email


def discussions_checked(
    values: list, where: str, *, courses: dict[str, SeedCourse], enrollments: set[tuple[str, str]]
) -> tuple[SeedDiscussion, ...]:
    discussions = []
    for index, value in enumerate(values, start=1):
        address = _address(where, "discussions", index, value, "title", "course")
        discussions.append(_discussion(value, address, courses=courses, enrollments=enrollments))
    unique([f"{d.title} on {d.course} > {d.module} > {d.lesson}" for d in discussions], where, "question")
    _within_the_rate_limit(discussions, where, courses=courses)
    return tuple(discussions)


def _discussion(
    value: Any, where: str, *, courses: dict[str, SeedCourse], enrollments: set[tuple[str, str]]
) -> SeedDiscussion:
    table = checked_table(value, where, DISCUSSION)
    course = _course(table["course"], where, courses)
    if course.lesson(module=table["module"], title=table["lesson"]) is None:
        raise CatalogueError(
            f"{where}: lesson {table['module']!r} > {table['lesson']!r} is not in {course.slug!r}"
        )
    title = " ".join(table["title"].split())
    if not title or len(title) > TITLE_MAX_LENGTH:
        raise CatalogueError(f"{where}: a question's title is 1 to {TITLE_MAX_LENGTH} characters")
    replies = []
    for index, reply in enumerate(table.get("replies", []), start=1):
        address = f"{where} > replies[{index}]"
        reply = checked_table(reply, address, REPLY)
        author = _poster(reply["author"], course, address, enrollments)
        replies.append(SeedReply(author=author, body=_text(reply, "body", address, POST_MAX_LENGTH)))
    seen = set()
    for index, reply in enumerate(replies, start=1):
        if (reply.author, reply.body) in seen:  # a reply's natural key in its question
            raise CatalogueError(
                f"{where} > replies[{index}]: the same reply by {reply.author} appears twice"
            )
        seen.add((reply.author, reply.body))
    accepted = table.get("accepted_reply", 0)
    if "accepted_reply" in table and not 1 <= accepted <= len(replies):
        raise CatalogueError(
            f"{where}: accepted_reply {accepted} is no reply of this question"
            f" (it has {len(replies)}: number them from 1)"
        )
    return SeedDiscussion(
        course=course.slug,
        module=table["module"],
        lesson=table["lesson"],
        author=_poster(table["author"], course, where, enrollments),
        title=title,
        body=_text(table, "body", where, POST_MAX_LENGTH),
        replies=tuple(replies),
        accepted_reply=accepted,
    )


def _within_the_rate_limit(
    discussions: list[SeedDiscussion], where: str, *, courses: dict[str, SeedCourse]
) -> None:
    """The seed posts everything within a minute, through the services that
    limit a student to DISCUSSION_POSTS_PER_WINDOW posts in any window
    (instructors are not limited): refuse a file that would stop half-way."""
    posts = Counter()
    for discussion in discussions:
        instructor = courses[discussion.course].instructor
        authors = [discussion.author, *(reply.author for reply in discussion.replies)]
        posts.update(author for author in authors if author != instructor)
    limit = settings.DISCUSSION_POSTS_PER_WINDOW
    for author, count in posts.items():
        if count > limit:
            raise CatalogueError(
                f"{where}: {author} posts {count} questions and replies, more than a student may"
                f" in {settings.DISCUSSION_WINDOW_MINUTES} minutes (DISCUSSION_POSTS_PER_WINDOW = {limit})"
            )


def announcements_checked(
    values: list, where: str, *, courses: dict[str, SeedCourse]
) -> tuple[SeedAnnouncement, ...]:
    announcements = []
    for index, value in enumerate(values, start=1):
        address = _address(where, "announcements", index, value, "title", "course")
        table = checked_table(value, address, ANNOUNCEMENT)
        course = _course(table["course"], address, courses)
        if table["author"] != course.instructor:
            raise CatalogueError(
                f"{address}: {table['author']!r} may not announce to {course.slug!r}:"
                f" only its instructor ({course.instructor}) does"
            )
        title = _text(table, "title", address, Announcement._meta.get_field("title").max_length)
        body = _text(table, "body", address, ANNOUNCEMENT_MAX_LENGTH)
        announcements.append(
            SeedAnnouncement(course=course.slug, author=course.instructor, title=title, body=body)
        )
    unique([f"{a.title} to {a.course}" for a in announcements], where, "announcement")
    return tuple(announcements)
