"""What the pages show and what they cost: the lesson page's section, a
lesson's list, a question's page and the instructor's unanswered list each
run the same number of queries for 3 posts as for 300; and moderation in the admin."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from community.discussions.models import Question, Reply
from notifications.models import Notification
from tests.community.discussions.conftest import enrolled, question_url, questions_url, reply_to
from tests.factories import UserFactory, course_with_curriculum
from tests.own_pages import own_pages_renewed

pytestmark = pytest.mark.django_db

SIZES = pytest.mark.parametrize("count", [3, 300])


def questions_on(lesson, count: int, authors: list) -> list[Question]:
    """`count` questions, each with a reply (every third one accepted, every
    fifth question hidden), written straight to the database."""
    questions = Question.objects.bulk_create(
        Question(
            lesson=lesson,
            author=authors[i % len(authors)],
            title=f"Q{i}",
            body=f"*Body* {i}",
            token=uuid.uuid4(),
        )
        for i in range(count)
    )
    Reply.objects.bulk_create(
        Reply(
            question=q,
            author=authors[(i + 1) % len(authors)],
            body="R",
            token=uuid.uuid4(),
            accepted_at=timezone.now() if i % 3 == 0 else None,
        )
        for i, q in enumerate(questions)
    )
    Question.objects.filter(pk__in=[q.pk for q in questions[::5]]).update(hidden_at=timezone.now())
    return questions


def listed(count: int, *, unanswered: bool = False) -> int:
    """How many of `questions_on(…, count)` a list shows: not hidden (and not answered)."""
    return sum(1 for i in range(count) if i % 5 and not (unanswered and i % 3 == 0))


@pytest.fixture
def authors(course):
    return [enrolled(course) for _ in range(3)] + [course.instructor]


# --- query counts ---------------------------------------------------------------------------------


@SIZES
def test_the_lesson_list_runs_a_constant_number_of_queries(
    client, django_assert_num_queries, lesson, authors, count
):
    questions_on(lesson, count, authors)
    client.force_login(authors[0])
    # Session, user, the lesson through the viewer's access (one query), the count and the
    # page of questions (authors, reply counts and "answered" in the same query), the badge.
    with django_assert_num_queries(6):
        response = client.get(questions_url(lesson))
    assert response.content.decode().count('class="question-item"') == min(
        10, count - len(range(0, count, 5))
    )


@SIZES
def test_the_question_page_runs_a_constant_number_of_queries(
    client, django_assert_num_queries, course, question, authors, count
):
    Reply.objects.bulk_create(
        Reply(
            question=question,
            author=authors[i % len(authors)],
            body=f"Reply *{i}*",
            token=uuid.uuid4(),
            hidden_at=timezone.now() if i % 7 == 0 else None,
            accepted_at=timezone.now() if i == 1 else None,
        )
        for i in range(count)
    )
    client.force_login(course.instructor)  # every moderation form and accept button shows
    # Session, user, the question with its author, lesson, module, course and instructor
    # through the viewer's access, the replies with their authors, the badge.
    with django_assert_num_queries(5):
        response = client.get(question_url(question))
    assert response.content.decode().count('class="post reply') == count


@SIZES
def test_the_lesson_page_section_is_one_query(
    client, django_assert_num_queries, course, lesson, authors, count
):
    questions_on(lesson, count, authors)
    client.force_login(authors[0])
    client.get(lesson.get_absolute_url())  # the curriculum is cached from the second view on
    own_pages_renewed(authors[0])
    # The lesson page's own (tests/learning/test_lesson_access.py LESSON_PAGE_WARM: session, user,
    # lesson with module, course and instructor, enrollment with the completed lessons,
    # curriculum version, badge) and the section's newest three questions.
    with django_assert_num_queries(6 + 1):
        response = client.get(lesson.get_absolute_url())
    assert response.content.decode().count('class="question-item"') == min(3, listed(count))


@SIZES
def test_the_unanswered_list_runs_a_constant_number_of_queries(
    client, django_assert_num_queries, course, lesson, authors, count
):
    other_course = course_with_curriculum(modules=1, lessons_per_module=1, instructor=course.instructor)
    questions_on(lesson, count, authors)
    questions_on(other_course.modules.get().lessons.get(), count, authors)
    client.force_login(course.instructor)
    # Session, user, the count and the page of questions (with authors, lessons, courses and
    # reply counts), the badge.
    with django_assert_num_queries(5):
        response = client.get(reverse("community:unanswered"))
    assert response.content.decode().count('class="question-item"') == min(
        10, 2 * listed(count, unanswered=True)
    )


# --- the lesson page ------------------------------------------------------------------------------


def test_the_lesson_page_shows_the_three_newest_questions_and_links_to_all(client, course, lesson, asker):
    for i in range(5):
        Question.objects.create(
            lesson=lesson, author=asker, title=f"Question number {i}", body="B", token=uuid.uuid4()
        )
    Question.objects.filter(title="Question number 4").update(hidden_at=timezone.now())
    client.force_login(asker)
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert "Questions about this lesson" in html
    assert [n for n in range(5) if f"Question number {n}<" in html] == [1, 2, 3]
    assert html.index("Question number 3") < html.index("Question number 1")  # newest first
    assert f'href="{questions_url(lesson)}"' in html


def test_visitors_of_a_free_preview_and_revoked_students_see_no_questions(client, course, question):
    preview = course.modules.get(order=0).lessons.get(order=0)
    Question.objects.filter(pk=question.pk).update(lesson=preview)
    client.force_login(UserFactory())
    html = client.get(preview.get_absolute_url()).content.decode()
    assert "Lesson 1.1" in html and "Questions about this lesson" not in html
    assert client.get(questions_url(preview)).status_code == 404


def test_the_instructor_sees_the_link_to_the_unanswered_list(client, course, lesson):
    client.force_login(course.instructor)
    assert reverse("community:unanswered") in client.get(lesson.get_absolute_url()).content.decode()


# --- lists ---------------------------------------------------------------------------------------


def test_the_list_is_newest_first_ten_a_page_with_reply_counts_and_answered_marks(
    client, course, lesson, asker
):
    questions = [
        Question.objects.create(
            lesson=lesson, author=asker, title=f"Item {i:02d}", body="B", token=uuid.uuid4()
        )
        for i in range(12)
    ]
    reply_to(questions[11], asker)
    reply_to(questions[11], course.instructor, accepted_at=timezone.now())
    reply_to(questions[11], asker, hidden_at=timezone.now())  # hidden: not counted
    client.force_login(asker)

    first = client.get(questions_url(lesson)).content.decode()
    assert first.index("Item 11") < first.index("Item 10") and "Item 01" not in first
    item = first[first.index("Item 11") : first.index("Item 10")]
    assert "2 replies" in item and 'data-testid="answered"' in item
    assert "0 replies" in first[first.index("Item 10") :] and "Page 1 of 2" in first
    second = client.get(questions_url(lesson) + "?page=2").content.decode()
    assert "Item 01" in second and "Item 00" in second and "Item 02" not in second


def test_the_unanswered_list_is_oldest_first_and_only_of_the_instructors_courses(
    client, course, lesson, asker, other_instructor
):
    old = Question.objects.create(
        lesson=lesson, author=asker, title="Waiting longest", body="B", token=uuid.uuid4()
    )
    new = Question.objects.create(
        lesson=lesson, author=asker, title="Newer one", body="B", token=uuid.uuid4()
    )
    answered = Question.objects.create(
        lesson=lesson, author=asker, title="Answered one", body="B", token=uuid.uuid4()
    )
    reply_to(answered, course.instructor, accepted_at=timezone.now())
    elsewhere = course_with_curriculum(modules=1, lessons_per_module=1, instructor=other_instructor)
    theirs = elsewhere.modules.get().lessons.get()
    Question.objects.create(lesson=theirs, author=asker, title="Not yours", body="B", token=uuid.uuid4())

    client.force_login(course.instructor)
    html = client.get(reverse("community:unanswered")).content.decode()
    assert html.index("Waiting longest") < html.index("Newer one")
    assert "Answered one" not in html and "Not yours" not in html
    assert f'href="{question_url(old)}"' in html and f'href="{question_url(new)}"' in html
    assert "Rust in Practice" in html  # which course and lesson each is about


# --- the admin -------------------------------------------------------------------------------------


def test_instructors_moderate_the_posts_of_their_own_courses_in_the_admin(
    client, course, question, asker, other_instructor
):
    answer = reply_to(question, enrolled(course), body="Spam spam")
    elsewhere = course_with_curriculum(modules=1, lessons_per_module=1, instructor=other_instructor)
    foreign = Question.objects.create(
        lesson=elsewhere.modules.get().lessons.get(),
        author=asker,
        title="Foreign",
        body="B",
        token=uuid.uuid4(),
    )
    client.force_login(course.instructor)

    listed = client.get(reverse("admin:community_question_changelist")).context["cl"].result_list
    assert list(listed) == [question]
    assert client.get(reverse("admin:community_question_change", args=[foreign.pk])).status_code == 302
    change = reverse("admin:community_reply_change", args=[answer.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"hidden": "on", "hidden_reason": ""}).status_code == 200  # a reason is needed
    response = client.post(change, {"hidden": "on", "hidden_reason": "Advertising"})

    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.is_hidden and answer.body == "Spam spam"  # read-only: only hidden
    assert Notification.objects.get(kind=Notification.Kind.POST_HIDDEN).user == answer.author
    client.post(change, {"hidden_reason": ""})
    answer.refresh_from_db()
    assert not answer.is_hidden
    assert client.get(reverse("admin:community_question_add")).status_code == 403


def test_superusers_see_every_post_and_students_none(client, question, superuser, asker):
    client.force_login(superuser)
    assert list(client.get(reverse("admin:community_question_changelist")).context["cl"].result_list) == [
        question
    ]
    client.force_login(asker)
    assert client.get(reverse("admin:community_question_changelist")).status_code == 302
