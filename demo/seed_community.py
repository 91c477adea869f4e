"""What `seed_demo` writes of the lesson Q&A and the announcements, through
the services the site's forms call (community.discussions.services,
community.announcements.services), so that notifications and e-mails come
from the site's own code.

Each row is found again by its natural key and only posted when missing: a
question by its (lesson, title), a reply by its (question, author, body), an
announcement by its (course, title). A post is also sent with a form token
derived from its natural key, so that one its author has edited on the site
since (its title or text no longer the file's) is found by the service and
not posted twice. An answer someone accepted on the site is kept."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping

from django.core.management.base import CommandError

from community.announcements.models import Announcement
from community.announcements.services import announcement_publish
from community.discussions.models import Question, Reply
from community.discussions.services import (
    DiscussionRefused,
    RateLimited,
    answer_accept,
    question_post,
    reply_post,
)
from courses.models import Course, Lesson
from demo.catalogue import SeedAnnouncement, SeedDiscussion
from lms.models import User

# Tokens of the seed's posts: the same natural key, the same token, whatever the database.
TOKENS = uuid.UUID("5f0c1e52-6a53-4c8e-9a57-0d1f3c2b7e10")


def _token(*natural_key: object) -> uuid.UUID:
    return uuid.uuid5(TOKENS, "\x1f".join(str(part) for part in natural_key))


def _refused(what: str, error: DiscussionRefused) -> CommandError:
    why = ""
    if isinstance(error, RateLimited):
        why = (
            " The data file keeps each student within DISCUSSION_POSTS_PER_WINDOW, but their posts on"
            " the site in the last DISCUSSION_WINDOW_MINUTES count too: run the seed again later,"
            " or with a higher DISCUSSION_POSTS_PER_WINDOW."
        )
    return CommandError(f"Stopped: {what} was refused: {error}{why} Nothing was written.")


def discussions_seed(
    seeds: tuple[SeedDiscussion, ...],
    *,
    users: Mapping[str, User],
    courses: Mapping[str, Course],
    say: Callable[[str], None],
) -> int:
    """Post the file's questions, replies and accepted answers that are missing; returns how many."""
    created = 0
    for seed in seeds:
        lesson = Lesson.objects.select_related("module__course").get(
            module__course=courses[seed.course], module__title=seed.module, title=seed.lesson
        )
        author = users[seed.author]
        question = Question.objects.filter(lesson=lesson, title=seed.title).first()
        if question is None:
            try:
                posted = question_post(
                    author=author,
                    lesson=lesson,
                    title=seed.title,
                    body=seed.body,
                    token=_token(lesson.pk, seed.title),
                )
            except DiscussionRefused as error:
                raise _refused(f"{author.email}'s question {seed.title!r}", error) from None
            question = posted.post
            if posted.created:
                created += 1
                say(f"  {author.email} asked about {seed.course} / {seed.lesson}: {seed.title}")
        replies = [_reply(question, users[reply.author], reply.body, say) for reply in seed.replies]
        created += sum(new for _, new in replies)
        if seed.accepted is not None and not question.replies.filter(accepted_at__isnull=False).exists():
            reply, _ = replies[seed.accepted_reply - 1]
            try:
                answer_accept(question=question, reply_id=reply.pk, by=author)
            except DiscussionRefused as error:  # the instructor hid the question or that reply since
                say(f"  kept {seed.title!r} without an accepted answer: {error}")
            else:
                created += 1
                say(f"  {author.email} accepted the reply by {seed.accepted.author} to {seed.title!r}")
    return created


def _reply(question: Question, author: User, body: str, say: Callable[[str], None]) -> tuple[Reply, bool]:
    reply = Reply.objects.filter(question=question, author=author, body=body).first()
    if reply is not None:
        return reply, False
    try:
        posted = reply_post(
            author=author, question=question, body=body, token=_token(question.pk, author.pk, body)
        )
    except DiscussionRefused as error:
        raise _refused(f"{author.email}'s reply to {question.title!r}", error) from None
    if posted.created:
        say(f"  {author.email} replied to {question.title!r}")
    return posted.post, posted.created


def announcements_seed(
    seeds: tuple[SeedAnnouncement, ...],
    *,
    users: Mapping[str, User],
    courses: Mapping[str, Course],
    say: Callable[[str], None],
) -> int:
    """Send the file's announcements that are missing; returns how many."""
    created = 0
    for seed in seeds:
        course = courses[seed.course]
        if Announcement.objects.filter(course=course, title=seed.title).exists():
            continue
        announcement = announcement_publish(
            course=course, author=users[seed.author], title=seed.title, body=seed.body
        )
        created += 1
        say(
            f"  {seed.author} announced {seed.title!r} to {seed.course}:"
            f" {announcement.recipients} student{'s' if announcement.recipients != 1 else ''} told"
        )
    return created
