"""Writes about discussions: posting a question or a reply, editing it,
accepting an answer, hiding and showing a post. Each tells the people
concerned (`notify`) inside its own transaction, once per event.

Exactly once: a form carries a token that is unique per author (a database
constraint); posting takes the author's row lock first, so that a double
submit or a retry finds the first post and returns it instead of posting
again, and the rate limit counts what committed before. Locks are taken in
this order: the author's user row, then the question, then its replies."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import Truncator

from community.discussions import policies, selectors
from community.discussions.models import EDIT_WINDOW, POST_MAX_LENGTH, TITLE_MAX_LENGTH, Question, Reply
from lms.models import User
from notifications.models import Notification
from notifications.services import notify

if TYPE_CHECKING:
    from courses.models import Course, Lesson

_RELATED = {Question: "lesson__module__course", Reply: "question__lesson__module__course"}


EDIT_CLOSED = (
    f"This post can no longer be changed: a post may be edited for {EDIT_WINDOW.seconds // 60} minutes "
    "after it is sent, and not once it is hidden."
)


class DiscussionRefused(Exception):
    """The write is not allowed now; the message says why, in words for the user."""


class RateLimited(DiscussionRefused):
    """The author has posted DISCUSSION_POSTS_PER_WINDOW times in the window."""


@dataclass(frozen=True)
class Posted:
    post: Question | Reply
    created: bool  # False: the form was sent before, and `post` is what it posted


def _clean(*, body: str, title: str | None = None) -> tuple[str, str | None]:
    body = body.strip()
    if title is not None:
        title = " ".join(title.split())  # plain text on one line
        if not title or len(title) > TITLE_MAX_LENGTH:
            raise ValueError(f"A title is 1 to {TITLE_MAX_LENGTH} characters.")
    if not body or len(body) > POST_MAX_LENGTH:
        raise ValueError(f"A post is 1 to {POST_MAX_LENGTH:,} characters.")
    return body, title


def _name(user: User, course: Course) -> str:
    return user.display_name if user.pk == course.instructor_id else user.public_name


def _author_lock(author: User) -> None:
    User.objects.select_for_update().filter(pk=author.pk).first()


def _rate_limit_check(author: User, course: Course) -> None:
    """Raise RateLimited when the author may not post again yet. The caller holds the author's lock."""
    if not policies.rate_limit_applies(author, course):
        return
    limit, minutes = settings.DISCUSSION_POSTS_PER_WINDOW, settings.DISCUSSION_WINDOW_MINUTES
    window = timedelta(minutes=minutes)
    now = timezone.now()
    times = selectors.posts_recent_times(author=author, since=now - window, limit=limit)
    if len(times) < limit:
        return
    wait = max(1, math.ceil((min(times) + window - now).total_seconds() / 60))  # the oldest leaves the window
    raise RateLimited(
        f"You have posted {limit} time{'s' if limit != 1 else ''} in the last {minutes} minutes, "
        "the most a student may. "
        f"Please try again in {wait} minute{'s' if wait != 1 else ''}: your text is kept below."
    )


def _locked(model: type[Question | Reply], pk: int) -> Question | Reply:
    """The row of `model`, locked (itself only, not the rows joined to it), with its course."""
    return model.objects.select_for_update(of=("self",)).select_related(_RELATED[model]).get(pk=pk)


def _existing(model: type[Question | Reply], *, author: User, token: UUID) -> Question | Reply | None:
    return model.objects.select_related(_RELATED[model]).filter(author=author, token=token).first()


@transaction.atomic
def question_post(*, author: User, lesson: Lesson, title: str, body: str, token: UUID) -> Posted:
    """Ask a question about `lesson` and tell the course's instructor. The
    same form sent again (same `token`) returns the first question. Raises
    RateLimited, posting nothing, when the author is over the limit. The
    caller has fetched `lesson` through `policies.lessons_discussable_by(author)`,
    with its module and course."""
    body, title = _clean(body=body, title=title)
    _author_lock(author)
    if existing := _existing(Question, author=author, token=token):
        return Posted(existing, created=False)
    course = lesson.module.course
    _rate_limit_check(author, course)
    try:
        with transaction.atomic():
            question = Question.objects.create(
                lesson=lesson, author=author, title=title, body=body, token=token
            )
    except IntegrityError:  # sent by a request that did not take the lock (the constraint is the backstop)
        if (existing := _existing(Question, author=author, token=token)) is None:
            raise  # another constraint than the form's token
        return Posted(existing, created=False)
    if course.instructor_id != author.pk:
        notify(
            users=[course.instructor_id],
            kind=Notification.Kind.QUESTION,
            title=Truncator(f"{_name(author, course)} asked about “{lesson.title}”: {title}").chars(200),
            message=Truncator(body).chars(500),
            course=course,
            url=question.get_absolute_url(),
            email_key=f"question:{question.pk}",
        )
    return Posted(question, created=True)


@transaction.atomic
def reply_post(*, author: User, question: Question, body: str, token: UUID) -> Posted:
    """Reply to `question` and tell its author and everyone who replied
    before (those who may still read it), never the one who writes. The same
    form sent again returns the first reply. Raises RateLimited, or
    DiscussionRefused for a hidden question, posting nothing. The caller has
    fetched `question` through `policies.questions_readable_by(author)`."""
    body, _ = _clean(body=body)
    _author_lock(author)
    if existing := _existing(Reply, author=author, token=token):
        return Posted(existing, created=False)
    question = _locked(Question, question.pk)
    if question.is_hidden:
        raise DiscussionRefused("This question was hidden by the instructor: it takes no more replies.")
    course = question.lesson.module.course
    _rate_limit_check(author, course)
    try:
        with transaction.atomic():
            reply = Reply.objects.create(question=question, author=author, body=body, token=token)
    except IntegrityError:
        if (existing := _existing(Reply, author=author, token=token)) is None:
            raise  # another constraint than the form's token
        return Posted(existing, created=False)
    earlier = Reply.objects.filter(question=question).exclude(pk=reply.pk).values_list("author_id", flat=True)
    concerned = ({question.author_id} | set(earlier)) - {author.pk, None}
    if concerned:
        readers = policies.readers_among(course=course, user_ids=concerned).values_list("pk", flat=True)
        notify(
            users=list(readers),
            kind=Notification.Kind.DISCUSSION_REPLY,
            title=Truncator(f"{_name(author, course)} replied to “{question.title}”").chars(200),
            message=Truncator(body).chars(500),
            course=course,
            url=reply.get_absolute_url(),
            email_key=f"reply:{reply.pk}",
        )
    return Posted(reply, created=True)


@transaction.atomic
def post_edit(
    *, post: Question | Reply, editor: User, body: str, title: str | None = None
) -> Question | Reply:
    """The author changes their question (title and body) or reply (body)
    within EDIT_WINDOW of posting it; it then shows "edited". Raises
    DiscussionRefused, changing nothing, once the window is over or the post hidden."""
    body, title = _clean(body=body, title=title if isinstance(post, Question) else None)
    post = _locked(type(post), post.pk)
    if not policies.can_edit_post(editor, post):
        raise DiscussionRefused(EDIT_CLOSED)
    fields = {"body": body} if title is None else {"body": body, "title": title}
    if any(getattr(post, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(post, name, value)
        post.edited_at = timezone.now()
        post.save(update_fields=[*fields, "edited_at"])
    return post


@transaction.atomic
def answer_accept(*, question: Question, reply_id: int, by: User) -> Reply:
    """Mark one reply of `question` as its answer, in place of any other, and
    tell its author (unless they accept their own). Accepting the accepted
    reply again changes nothing. Raises Reply.DoesNotExist for a reply of
    another question, DiscussionRefused for a hidden one. The caller has
    checked `policies.can_accept_answer(by, question, course)`."""
    question = _locked(Question, question.pk)
    if question.is_hidden:
        raise DiscussionRefused("This question was hidden by the instructor.")
    reply = Reply.objects.select_for_update().get(pk=reply_id, question=question)
    if reply.is_hidden:
        raise DiscussionRefused("A hidden reply cannot be the answer.")
    if reply.is_accepted:
        return reply
    Reply.objects.filter(question=question, accepted_at__isnull=False).update(accepted_at=None)
    reply.accepted_at = timezone.now()
    reply.save(update_fields=["accepted_at"])
    reply.question = question
    course = question.lesson.module.course
    replier = {reply.author_id} - {None, by.pk}
    if replier and policies.readers_among(course=course, user_ids=replier).exists():
        notify(
            users=[reply.author_id],
            kind=Notification.Kind.ANSWER_ACCEPTED,
            title=Truncator(f"Your reply was accepted as the answer to “{question.title}”").chars(200),
            course=course,
            url=reply.get_absolute_url(),
            email_key=f"accepted:{reply.pk}:{reply.accepted_at.isoformat()}",
        )
    return reply


@transaction.atomic
def post_hide(*, post: Question | Reply, by: User, reason: str) -> Question | Reply:
    """The course's instructor or staff take a post's text off the page (a
    hidden question also leaves the lists; a hidden reply stops being the
    answer) and tell its author why. Hiding a hidden post changes nothing.
    The caller has checked `policies.can_moderate(by, course)`."""
    reason = reason.strip()
    if not reason:
        raise ValueError("Say why the post is hidden: its author is told.")
    kind = "question" if isinstance(post, Question) else "reply"
    post = _locked(type(post), post.pk)
    if post.is_hidden:
        return post
    post.hidden_at, post.hidden_by, post.hidden_reason = timezone.now(), by, reason
    fields = ["hidden_at", "hidden_by", "hidden_reason"]
    if isinstance(post, Reply) and post.is_accepted:
        post.accepted_at = None
        fields.append("accepted_at")
    post.save(update_fields=fields)
    question = post if isinstance(post, Question) else post.question
    if post.author_id not in (None, by.pk):
        notify(
            users=[post.author_id],
            kind=Notification.Kind.POST_HIDDEN,
            title=Truncator(
                f"Your {'question' if kind == 'question' else 'reply to'} “{question.title}” was hidden"
            ).chars(200),
            message=f"The instructor hid it: {reason}",
            course=question.lesson.module.course,
            url=post.get_absolute_url(),
            email_key=f"hidden:{kind}:{post.pk}:{post.hidden_at.isoformat()}",
        )
    return post


@transaction.atomic
def post_show(*, post: Question | Reply) -> Question | Reply:
    """Put a hidden post back as it was (an answer it was stays unaccepted)."""
    post = type(post).objects.select_for_update().get(pk=post.pk)
    if post.is_hidden:
        post.hidden_at, post.hidden_by, post.hidden_reason = None, None, ""
        post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    return post
