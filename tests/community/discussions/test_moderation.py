"""Editing one's own post for 15 minutes, the accepted answer, and hiding."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from community.discussions.models import Question, Reply
from community.discussions.services import DiscussionRefused, answer_accept, post_hide
from notifications.models import EmailEvent, Notification
from tests.community.discussions.conftest import enrolled, question_url, questions_url, reply_to

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def minutes_ago(post, minutes: float) -> None:
    type(post).objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))


# --- editing ---------------------------------------------------------------------------------------


def test_the_author_edits_their_question_within_15_minutes_and_it_shows_edited(client, question, asker):
    minutes_ago(question, 14)
    client.force_login(asker)
    url = question_url(question, "question_edit")
    assert 'value="Why does the borrow checker refuse this?"' in client.get(url).content.decode()

    response = client.post(url, {"title": "Why is this moved?", "body": "Now *clearer*."})

    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.title, question.body) == ("Why is this moved?", "Now *clearer*.")
    page = client.get(question_url(question)).content.decode()
    assert "<em>clearer</em>" in page and 'class="post-edited">edited' in page


def test_after_15_minutes_the_post_can_no_longer_be_edited(client, course, question, asker):
    answer = reply_to(question, asker, body="My own reply.")
    minutes_ago(question, 16)
    minutes_ago(answer, 15.1)
    client.force_login(asker)

    assert ">Edit<" not in client.get(question_url(question)).content.decode()
    assert client.get(question_url(question, "question_edit")).status_code == 403
    response = client.post(question_url(question, "reply_edit", answer.pk), {"body": "Sneaky change"})
    assert response.status_code == 403
    assert "edited for 15 minutes" in response.content.decode()
    answer.refresh_from_db()
    assert answer.body == "My own reply." and answer.edited_at is None


def test_a_reply_is_edited_by_its_author_only(client, course, question, asker):
    answer = reply_to(question, asker, body="Mine.")
    client.force_login(asker)
    assert (
        client.post(question_url(question, "reply_edit", answer.pk), {"body": "Mine, better."}).status_code
        == 302
    )
    for other in (enrolled(course), course.instructor):
        client.force_login(other)
        url = question_url(question, "reply_edit", answer.pk)
        assert client.post(url, {"body": "Theirs"}).status_code == 404
    answer.refresh_from_db()
    assert answer.body == "Mine, better." and answer.edited_at is not None


def test_an_edit_to_an_overlong_body_comes_back_with_the_text(client, question, asker):
    client.force_login(asker)
    response = client.post(question_url(question, "question_edit"), {"title": "T", "body": "z" * 10_001})
    assert response.status_code == 400 and "z" * 100 in response.content.decode()


def test_a_hidden_post_cannot_be_edited(client, course, question, asker):
    post_hide(post=question, by=course.instructor, reason="Off topic")
    client.force_login(asker)
    assert (
        client.post(question_url(question, "question_edit"), {"title": "T", "body": "B"}).status_code == 403
    )


# --- the accepted answer -----------------------------------------------------------------------------


def accept(client, question, answer):
    return client.post(question_url(question, "answer_accept"), {"reply": answer.pk})


def test_the_asker_accepts_a_reply_and_the_replier_is_told_once(client, course, question, asker):
    bob = enrolled(course, first_name="Bob", last_name="Smith")
    answer = reply_to(question, bob, body="Use a reference.")
    client.force_login(asker)

    assert accept(client, question, answer).status_code == 302
    assert accept(client, question, answer).status_code == 302  # again: nothing new

    answer.refresh_from_db()
    assert answer.is_accepted
    notification = Notification.objects.get(kind=Kind.ANSWER_ACCEPTED)
    assert notification.user == bob and notification.url == f"{question_url(question)}#reply-{answer.pk}"
    assert EmailEvent.objects.filter(key__startswith=f"accepted:{answer.pk}:").count() == 1
    page = client.get(question_url(question)).content.decode()
    assert 'data-testid="accepted"' in page
    listed = client.get(questions_url(question.lesson)).content.decode()
    assert 'data-testid="answered"' in listed


def test_the_answer_may_be_changed_and_only_one_is_ever_accepted(client, course, question, asker):
    bob, cleo = enrolled(course), enrolled(course)
    first, second = reply_to(question, bob), reply_to(question, cleo)
    client.force_login(asker)
    accept(client, question, first)
    client.force_login(course.instructor)
    accept(client, question, second)

    first.refresh_from_db()
    second.refresh_from_db()
    assert not first.is_accepted and second.is_accepted
    assert sorted(
        Notification.objects.filter(kind=Kind.ANSWER_ACCEPTED).values_list("user_id", flat=True)
    ) == sorted([bob.pk, cleo.pk])
    # The database holds it too: a second accepted reply of the same question is refused.
    with pytest.raises(IntegrityError), transaction.atomic():
        Reply.objects.filter(pk=first.pk).update(accepted_at=timezone.now())


def test_accepting_ones_own_reply_tells_nobody(client, course, question, asker):
    mine = reply_to(question, asker)
    theirs = reply_to(question, course.instructor)
    client.force_login(asker)
    accept(client, question, mine)
    client.force_login(course.instructor)
    accept(client, question, theirs)
    assert not Notification.objects.filter(kind=Kind.ANSWER_ACCEPTED).exists()
    theirs.refresh_from_db()
    assert theirs.is_accepted


def test_another_student_may_not_accept_and_a_reply_of_another_question_is_a_404(
    client, course, lesson, question, asker
):
    answer = reply_to(question, enrolled(course))
    client.force_login(enrolled(course))
    assert accept(client, question, answer).status_code == 403
    other = Question.objects.create(lesson=lesson, author=asker, title="Other", body="B", token=answer.token)
    client.force_login(asker)
    assert accept(client, other, answer).status_code == 404
    answer.refresh_from_db()
    assert not answer.is_accepted


def test_a_hidden_reply_cannot_be_accepted(course, question, asker):
    answer = reply_to(question, enrolled(course))
    post_hide(post=answer, by=course.instructor, reason="Spam")
    with pytest.raises(DiscussionRefused):
        answer_accept(question=question, reply_id=answer.pk, by=asker)


# --- hiding ----------------------------------------------------------------------------------------


def test_hiding_a_question_takes_its_text_away_and_it_leaves_the_lists(
    client, course, lesson, question, asker
):
    client.force_login(course.instructor)
    response = client.post(question_url(question, "question_hide"), {"reason": "Please keep it civil."})
    assert response.status_code == 302

    notification = Notification.objects.get(kind=Kind.POST_HIDDEN)
    assert notification.user == asker and "Please keep it civil." in notification.message
    assert EmailEvent.objects.filter(key__startswith=f"hidden:question:{question.pk}:").count() == 1

    client.force_login(asker)
    page = client.get(question_url(question)).content.decode()
    assert "This question was hidden by the instructor." in page
    assert "borrow checker" not in page and "Details." not in page
    assert 'id="replies-heading"' in page and 'name="body"' not in page  # no more replies
    assert "borrow checker" not in client.get(questions_url(lesson)).content.decode()
    assert "borrow checker" not in client.get(lesson.get_absolute_url()).content.decode()
    client.force_login(course.instructor)
    assert "borrow checker" not in client.get("/community/unanswered/").content.decode()
    assert (
        client.post(question_url(question), {"body": "Hi", "token": str(question.token)}).status_code == 403
    )


def test_hiding_a_reply_shows_the_placeholder_and_unmarks_the_answer(client, course, question, asker):
    answer = reply_to(question, enrolled(course), body="Buy cheap watches")
    answer_accept(question=question, reply_id=answer.pk, by=asker)
    client.force_login(course.instructor)
    client.post(question_url(question, "reply_hide", answer.pk), {"reason": "Spam"})

    answer.refresh_from_db()
    assert answer.is_hidden and not answer.is_accepted
    page = client.get(question_url(question)).content.decode()
    assert "This reply was hidden by the instructor." in page and "cheap watches" not in page
    assert Notification.objects.filter(kind=Kind.POST_HIDDEN, user=answer.author).count() == 1


def test_hiding_needs_a_reason_and_hiding_twice_tells_once(client, course, question):
    client.force_login(course.instructor)
    client.post(question_url(question, "question_hide"), {"reason": "  "})
    question.refresh_from_db()
    assert not question.is_hidden
    client.post(question_url(question, "question_hide"), {"reason": "Duplicate"})
    client.post(question_url(question, "question_hide"), {"reason": "Duplicate"})
    assert Notification.objects.filter(kind=Kind.POST_HIDDEN).count() == 1


def test_showing_a_hidden_post_puts_it_back(client, course, question):
    post_hide(post=question, by=course.instructor, reason="Oops")
    client.force_login(course.instructor)
    client.post(question_url(question, "question_show"))
    question.refresh_from_db()
    assert not question.is_hidden and question.hidden_reason == ""
    assert "borrow checker" in client.get(questions_url(question.lesson)).content.decode()
