"""Lesson Q&A and announcements, end to end in Chromium: a student asks a
question on a lesson, the instructor answers it and marks the answer, the
student sees the answer and is told; the instructor sends an announcement,
another student reads it on the course page and in their notifications,
every student is e-mailed, and one unsubscribes from the e-mail's link.

E-mails are sent by a job that runs when the live server's transaction
commits, in the server's thread of this process: `mailoutbox` (Django's
locmem outbox) holds them by the time the browser has the response."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, ModuleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COURSE = "Writing tests that last"
LESSON = "Factories, not fixtures files"
QUESTION = "When is a fixture better than a factory?"
ANNOUNCEMENT = "Live Q&A on Thursday"
# allauth renders its forms with form.as_p, whose labels end with a colon.
EMAIL = re.compile(r"^Email:?$")
PASSWORD = re.compile(r"^Password:?$")


@pytest.fixture
def course(instructor):
    """A published free course of two text lessons, taught by Ada Lovelace."""
    course = CourseFactory(title=COURSE, slug="tests-that-last", instructor=instructor)
    module = ModuleFactory(course=course, title="Foundations", order=0)
    LessonFactory(module=module, title="What a test is for", content="A test pins a behaviour.", order=0)
    LessonFactory(module=module, title=LESSON, content="A factory says only what the test is about.", order=1)
    return course


@pytest.fixture
def mina(course):
    return EnrollmentFactory(
        course=course, user=UserFactory(email="mina@example.com", first_name="Mina", last_name="Haddad")
    ).user


@pytest.fixture
def ben(course):
    return EnrollmentFactory(
        course=course, user=UserFactory(email="ben@example.com", first_name="Ben", last_name="Okafor")
    ).user


def log_in(page, user, password) -> None:
    """Through the real log-in form (where it lands depends on who logs in)."""
    page.goto("/accounts/login/")
    page.get_by_label(EMAIL).fill(user.email)
    page.get_by_label(PASSWORD).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def questions_list(page):
    return page.get_by_role("list", name="Questions, newest first")


def listed(items, title: str):
    """The entry of a list of questions whose link is `title`."""
    return items.get_by_role("listitem").filter(has=items.page.get_by_role("link", name=title, exact=True))


def test_a_question_answered_by_the_instructor_and_an_announcement(
    page, course, instructor, mina, ben, password, mailoutbox, live_server, settings
):
    settings.SITE_URL = live_server.url  # the e-mails' links lead to this server

    # 1. Mina opens the lesson, follows its link to the questions and asks one.
    log_in(page, mina, password)
    page.goto(course.get_absolute_url())
    page.get_by_role("link", name="Continue learning").click()
    page.get_by_role("navigation", name="Lessons").get_by_role("link", name=re.compile("→$")).click()
    expect(page.get_by_role("heading", name=LESSON, level=1)).to_be_visible()
    on_lesson = page.get_by_role("region", name="Questions about this lesson")
    expect(on_lesson).to_contain_text("No questions yet.")
    on_lesson.get_by_role("link", name="Ask a question").click()

    expect(page.get_by_role("heading", name=f"Questions about “{LESSON}”", level=1)).to_be_visible()
    expect(page.get_by_text("No questions about this lesson yet: ask the first.")).to_be_visible()
    ask = page.get_by_role("region", name="Ask a question")
    ask.get_by_label("Your question, in a line").fill(QUESTION)
    ask.get_by_label("Details").fill("I share a `user` between *ten* tests. Should it be a fixture?")
    ask.get_by_role("button", name="Post your question").click()

    expect(page.get_by_role("status")).to_contain_text("Your question is posted.")
    question = page.get_by_role("article", name=QUESTION)
    expect(question.get_by_role("heading", name=QUESTION, level=1)).to_be_visible()
    expect(question).to_contain_text("Mina H.")
    expect(question.locator("em")).to_have_text("ten")
    expect(question.locator("code")).to_have_text("user")
    expect(page.get_by_role("heading", name="0 replies", level=2)).to_be_visible()
    page.get_by_role("link", name=f"← Questions about “{LESSON}”").click()
    mine = listed(questions_list(page), QUESTION)
    expect(mine).to_contain_text("Mina H.")
    expect(mine.get_by_test_id("reply-count")).to_have_text("0 replies")
    expect(mine.get_by_test_id("answered")).to_have_count(0)
    log_out(page)

    # 2. The instructor is told, finds it among the unanswered, replies and marks the answer.
    log_in(page, instructor, password)
    expect(page.get_by_test_id("unread-count")).to_have_text("1")  # the new question
    page.goto("/community/unanswered/")
    waiting = listed(page.get_by_role("list", name="Unanswered questions, oldest first"), QUESTION)
    expect(waiting).to_contain_text(f"{COURSE} · {LESSON}")
    waiting.get_by_role("link", name=QUESTION).click()
    expect(page.get_by_role("heading", name=QUESTION, level=1)).to_be_visible()
    # The instructor answers: the accept button is theirs too.
    reply = page.get_by_role("region", name="Your reply")
    reply.get_by_label("Your reply").fill(
        "Use a **fixture** when many tests share it; a factory for the rest."
    )
    reply.get_by_role("button", name="Post your reply").click()

    expect(page.get_by_role("status")).to_contain_text("Your reply is posted.")
    answer = page.get_by_role("article", name="Reply 1")
    expect(answer).to_contain_text("Ada Lovelace")
    expect(answer.get_by_text("Instructor", exact=True)).to_be_visible()
    expect(answer.locator("strong", has_text="fixture")).to_be_visible()
    expect(answer.get_by_test_id("accepted")).to_have_count(0)
    answer.get_by_role("button", name="Accept as the answer").click()

    expect(page.get_by_role("status")).to_contain_text("The answer is marked.")
    expect(answer.get_by_test_id("accepted")).to_have_text("✓ Accepted answer")
    expect(answer.get_by_role("button", name=re.compile("^Accept"))).to_have_count(0)
    page.goto("/community/unanswered/")
    expect(page.get_by_text("Every question in your courses has an answer.")).to_be_visible()
    log_out(page)

    # 3. Mina is told, and sees the answer marked on the question and on the list.
    log_in(page, mina, password)
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    page.get_by_role("link", name=re.compile(r"^Notifications")).click()
    told = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=f"Ada Lovelace replied to “{QUESTION}”")
    )
    expect(told).to_contain_text("when many tests share it; a factory for the rest.")
    told.get_by_role("link", name="See the reply").click()
    expect(page).to_have_url(re.compile(r"/courses/tests-that-last/questions/\d+/#reply-\d+$"))
    answer = page.get_by_role("article", name="Reply 1")
    expect(answer.get_by_test_id("accepted")).to_have_text("✓ Accepted answer")
    expect(answer.get_by_text("Instructor", exact=True)).to_be_visible()
    expect(answer).to_be_in_viewport()
    page.get_by_role("link", name=f"← Questions about “{LESSON}”").click()
    mine = listed(questions_list(page), QUESTION)
    expect(mine.get_by_test_id("reply-count")).to_have_text("1 reply")
    expect(mine.get_by_test_id("answered")).to_have_text("✓ Answered")
    log_out(page)

    # 4. The instructor writes to every student from the course page.
    log_in(page, instructor, password)
    page.goto(course.get_absolute_url())
    announcements = page.get_by_role("region", name="Announcements")
    expect(announcements).to_contain_text("No announcements yet.")
    announcements.get_by_role("link", name="Write an announcement").click()
    expect(page.get_by_role("heading", name=f"Write to the students of {COURSE}", level=1)).to_be_visible()
    page.get_by_label("Title").fill(ANNOUNCEMENT)
    page.get_by_label("Message").fill("Bring your **slowest** test: we will speed it up together.")
    page.get_by_role("button", name="Send to every active student").click()

    expect(page.get_by_role("status")).to_contain_text("Your announcement is on its way to 2 students.")
    sent = page.get_by_role("article", name=ANNOUNCEMENT)
    expect(sent).to_be_visible()
    expect(sent).to_contain_text("Ada Lovelace")
    log_out(page)

    # Ben reads it on the course page, and is told.
    log_in(page, ben, password)
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    page.goto(course.get_absolute_url())
    on_course = page.get_by_role("region", name="Announcements").get_by_role("article", name=ANNOUNCEMENT)
    expect(on_course.locator("strong")).to_have_text("slowest")
    page.get_by_role("link", name=re.compile(r"^Notifications")).click()
    told = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=f"{COURSE}: {ANNOUNCEMENT}")
    )
    expect(told.get_by_role("link", name="Read the announcement")).to_be_visible()

    # Both students were e-mailed once, with a link to unsubscribe.
    by_recipient = {}
    for message in mailoutbox:
        if message.subject == f"{COURSE}: {ANNOUNCEMENT}":
            by_recipient.setdefault(message.to[0], []).append(message)
    assert sorted(by_recipient) == ["ben@example.com", "mina@example.com"], [
        (m.to, m.subject) for m in mailoutbox
    ]
    assert all(len(messages) == 1 for messages in by_recipient.values())
    email = by_recipient["ben@example.com"][0]
    unsubscribe = re.search(r"^Unsubscribe: (\S+)$", email.body, re.MULTILINE).group(1)
    assert email.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert unsubscribe.startswith(f"{live_server.url}/account/notifications/unsubscribe/")
    html = email.alternatives[0][0]
    assert f'href="{unsubscribe}"' in html

    # Ben follows it, confirms, and his preferences then say announcements are off.
    page.goto(unsubscribe)
    expect(page.get_by_role("heading", name="Stop these e-mails?", level=1)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Announcements from your instructors")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed", level=1)).to_be_visible()
    page.get_by_role("link", name="e-mail preferences").click()
    expect(page.get_by_role("heading", name="E-mail preferences", level=1)).to_be_visible()
    preferences = page.get_by_role("group", name="E-mail me about")
    expect(preferences.get_by_label("Announcements from your instructors")).not_to_be_checked()
    expect(preferences.get_by_label(re.compile("^Answers and replies"))).to_be_checked()
