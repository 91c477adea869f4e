"""Every page a student sees, checked in Chromium (issue 3): axe-core finds no
WCAG 2.0/2.1 A or AA violation, a 360 px phone never scrolls sideways and shows
the page's main call to action, a 1280 px desktop uses the side columns, and
the keyboard gets a skip link and visible focus.

axe-core comes from axe-playwright-python's wheel (axe.min.js inside), so the
checks run offline like the rest of the browser tests.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from community.announcements.services import announcement_publish
from community.discussions.services import answer_accept, post_hide, question_post, reply_post
from community.services import review_answer, review_save
from courses.models import Category, Lesson, Quiz
from enrollments.services import enrollment_revoke
from learning.models import Certificate, Submission
from learning.services.progress import lesson_complete
from learning.services.quizzes import quiz_attempt_start, quiz_attempt_submit
from notifications.emails import unsubscribe_token
from payments.models import Purchase
from tests.browser.layout import settled_widths
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    ModuleFactory,
    NotificationFactory,
    PurchaseFactory,
    UserFactory,
)
from tests.learning.factories import QuizFactory, SubmissionFactory, question_with_choices

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_A_AA},
    "resultTypes": ["violations"],
    # axe is injected into the top document only; the one child frame a page
    # has (a YouTube embed) is blocked off loopback and would never answer.
    "iframes": False,
}
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def site(instructor, student):
    """One small school: a free course the student is part-way through (text,
    video preview, quiz, assignment) and may review, reviewed by two others
    (one answered by the instructor), a paid course they have not bought
    (a classmate did, and got part of it back),
    a few more courses for the catalogue, unread notifications, a certificate
    and a revoked one, questions on a lesson (one answered by the instructor,
    with a hidden reply) and an announcement."""
    course = CourseFactory(
        title="Django for grown-ups",
        slug="django-for-grown-ups",
        subtitle="Models, migrations and tests that last",
        description="Build a **real** application, one careful step at a time.",
        instructor=instructor,
    )
    module = ModuleFactory(course=course, title="Foundations", order=0)
    preview = LessonFactory(
        module=module,
        title="Why Django",
        kind=Lesson.Kind.VIDEO,
        video_id="dQw4w9WgXcQ",
        content="What the framework does for you.",
        is_preview=True,
        order=0,
    )
    done = LessonFactory(
        module=module, title="Reading a migration", content="Operations run in order.", order=1
    )
    text = LessonFactory(
        module=module, title="Squashing migrations", content="## When\n\nOnce the history is long.", order=2
    )
    second = ModuleFactory(course=course, title="Practice", order=1)
    quiz = QuizFactory(
        lesson__module=second, lesson__title="Check yourself", lesson__order=0, pass_mark=70, max_attempts=0
    )
    question_with_choices(quiz, correct=(0,), prompt="Which command applies migrations?")
    question_with_choices(quiz, correct=(1,), prompt="Which command writes them?")
    assignment = LessonFactory(
        module=second,
        title="Write a data migration",
        kind=Lesson.Kind.ASSIGNMENT,
        content="Move the `name` field into `first_name` and `last_name`.",
        order=1,
    )

    paid = CourseFactory(
        title="Payments without tears",
        slug="payments-without-tears",
        subtitle="Stripe, webhooks and idempotency",
        price=Decimal("49.00"),
        instructor=instructor,
    )
    paid_module = ModuleFactory(course=paid, title="Money", order=0)
    LessonFactory(module=paid_module, title="What a charge is", is_preview=True, order=0)
    locked = LessonFactory(module=paid_module, title="Idempotency keys", order=1)

    other = CourseFactory(title="Sourdough for beginners", slug="sourdough", subtitle="Bread, slowly")
    LessonFactory(module__course=other, title="Starter", order=0)
    for n in range(3):
        CourseFactory(title=f"Elective {n + 1}", slug=f"elective-{n + 1}")
    # The catalogue's filters (issue 14) need a category to offer.
    course.categories.add(Category.objects.create(name="Web development", slug="web-development"))

    EnrollmentFactory(user=student, course=course)
    EnrollmentFactory(user=student, course=other)
    lesson_complete(user=student, lesson=done)
    quiz = Quiz.objects.select_related("lesson__module").get(pk=quiz.pk)
    first_attempt = quiz_attempt_start(user=student, quiz=quiz)
    first_attempt = quiz_attempt_submit(attempt=first_attempt, data={})
    open_attempt = quiz_attempt_start(user=student, quiz=quiz)
    SubmissionFactory(
        user=student,
        lesson=assignment,
        text="I moved the field in one migration.",
        status=Submission.Status.NEEDS_WORK,
        feedback="Split the schema change from the data change.",
    )
    NotificationFactory(user=student, course=course, title="Course enrolled!", message="Welcome aboard.")
    NotificationFactory(user=student, title="Your work was reviewed", message="It needs a little more work.")
    NotificationFactory(user=student, title="Welcome to Doctrina", read=True)

    def classmate(first_name: str, last_name: str, rating: int, body: str):
        """A student who got 20% into the course (enough to review it), reviewed
        it, and finished the short course: (their review, their certificate)."""
        user = UserFactory(first_name=first_name, last_name=last_name)
        EnrollmentFactory(user=user, course=course)
        lesson_complete(user=user, lesson=done)
        review = review_save(user=user, course=course, rating=rating, body=body).review
        finished = EnrollmentFactory(user=user, course=other)
        lesson_complete(user=user, lesson=other.modules.get().lessons.get())
        return review, Certificate.objects.get(enrollment=finished)

    _, certificate = classmate("Ben", "Okafor", 4, "Clear and *practical*:\n\n- models\n- migrations")
    answered, revoked_certificate = classmate("Chloe", "Martin", 2, "Too fast for me.")
    review_answer(review=answered, body="Thank you, Chloe: the **Foundations** module goes slower.")
    review_save(
        user=answered.user, course=course, rating=2, body="Too fast for me, the migrations part above all."
    )
    enrollment_revoke(enrollment=revoked_certificate.enrollment)  # a refund of the short course

    def post(function, **kwargs):
        return function(token=uuid.uuid4(), **kwargs).post

    ben, chloe = certificate.enrollment.user, answered.user
    sale = PurchaseFactory(
        user=ben,
        course=paid,
        status=Purchase.Status.COMPLETE,
        completed_at=timezone.now(),
        amount_refunded=Decimal("10.00"),
    )
    EnrollmentFactory(user=ben, course=paid, purchase=sale)
    asked = post(
        question_post,
        author=ben,
        lesson=text,
        title="Do I squash migrations that are already deployed?",
        body="Two servers run the old ones. Is `squashmigrations` *safe* there?",
    )
    post(reply_post, author=student, question=asked, body="I wondered too: is it one release or two?")
    off_topic = post(reply_post, author=chloe, question=asked, body="Anyone selling a used laptop?")
    post_hide(post=off_topic, by=instructor, reason="Off topic for this lesson.")
    answer = post(
        reply_post,
        author=instructor,
        question=asked,
        body="Yes, in **two** releases:\n\n1. deploy the squashed migration beside the old ones\n"
        "2. once every server ran it, delete the old ones",
    )
    answer_accept(question=asked, reply_id=answer.pk, by=ben)
    post(
        question_post,
        author=student,
        lesson=text,
        title="Can I squash a data migration?",
        body="It has RunPython.",
    )
    announcement_publish(
        course=course,
        author=instructor,
        title="New module next week",
        body="A module on **deploying** migrations arrives on Monday.",
    )

    lesson_args = {"slug": course.slug, "lesson_id": quiz.lesson_id}
    return SimpleNamespace(
        course=course,
        paid=paid,
        preview=preview,
        text=text,
        quiz_lesson=quiz.lesson,
        assignment=assignment,
        locked=locked,
        quiz_take_url=reverse("learning:quiz_attempt", kwargs={**lesson_args, "attempt_id": open_attempt.pk}),
        quiz_result_url=reverse(
            "learning:quiz_result", kwargs={**lesson_args, "attempt_id": first_attempt.pk}
        ),
        certificate=certificate,
        revoked_certificate=revoked_certificate,
        questions_url=reverse("community:questions", kwargs={"slug": course.slug, "lesson_id": text.pk}),
        question=asked,
        unsubscribe_url=reverse(
            "notifications:unsubscribe",
            args=[unsubscribe_token(user_id=student.pk, category="announcements")],
        ),
    )


@dataclass(frozen=True)
class Screen:
    """A page to check: who looks at it, where it is, what they do there first
    (`then`: fill in and send a form; None to look only), its main call to
    action, whether a phone shows that call to action on its first screen, and
    the side column a desktop shows beside the content (None where the page has
    none)."""

    url: Callable
    cta: Callable
    as_student: bool = False
    as_instructor: bool = False
    then: Callable | None = None
    payments: bool = False
    rate_limited: bool = False  # the student has used up their discussion posts
    first_screen: bool = False
    side_column: str | None = None
    as_user: Callable | None = None  # someone else of the site (site -> user), logged in


def _button(name):
    return lambda page: page.get_by_role("main").get_by_role("button", name=name, exact=True)


def _link(name):
    return lambda page: page.get_by_role("main").get_by_role("link", name=name, exact=True)


def _publish_a_review(page) -> None:
    form = page.locator("#your-review")
    form.get_by_role("radio", name="5 stars").check()
    form.get_by_label("Your review").fill("Exactly the pace I needed.")
    form.get_by_role("button", name="Publish your review").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you: your review is published.")


def _send_a_review_without_rating(page) -> None:
    # The browser itself asks for the rating first (`required`); the server's
    # answer is what a browser without form validation, or a stale page, gets.
    form = page.locator("#your-review form")
    form.evaluate("form => { form.noValidate = true; }")
    form.get_by_role("button", name="Publish your review").click()
    expect(page.get_by_role("alert")).to_have_text("This field is required.")


def _send_an_empty_answer(page) -> None:
    # As for the review: the browser asks first (`required`); this is the server's answer.
    button = page.get_by_role("main").get_by_role("button", name="Publish answer", exact=True)
    button.evaluate("button => { button.form.noValidate = true; }")
    button.click()
    expect(page.get_by_role("alert")).to_have_text("Write an answer first.")


def _ask_over_the_limit(page) -> None:
    form = page.get_by_role("region", name="Ask a question")
    form.get_by_label("Your question, in a line").fill("And what about RunSQL?")
    form.get_by_label("Details").fill("Same question, raw SQL this time.")
    form.get_by_role("button", name="Post your question").click()
    expect(page.get_by_role("alert")).to_contain_text("You have posted 2 times in the last 10 minutes")


def _send_an_empty_assignment(page) -> None:
    main = page.get_by_role("main")
    main.get_by_label("Your answer").fill("   ")
    main.get_by_role("button", name="Submit assignment", exact=True).click()
    expect(main.get_by_text("Write an answer or attach a file.")).to_be_visible()


def _search_students(page) -> None:
    main = page.get_by_role("main")
    main.get_by_role("searchbox", name="Name or e-mail").fill("okafor")
    main.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("students-count")).to_have_text("1 student matching “okafor”")


def _unsubscribe(page) -> None:
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed", level=1)).to_be_visible()


ENROLLMENT_ASIDE = "aside[aria-label='Enrollment']"
CONTENTS_ASIDE = "aside[aria-label='Course contents']"

SCREENS = {
    "catalogue": Screen(lambda s: "/", _link("Django for grown-ups")),
    "search-no-results": Screen(lambda s: "/courses/?q=quantum", _button("Show courses"), first_screen=True),
    "catalogue-filtered": Screen(
        lambda s: "/courses/?category=web-development&price=free", _link("Django for grown-ups")
    ),
    "catalogue-filtered-empty": Screen(
        lambda s: "/courses/?category=web-development&price=paid&duration=long",
        _link("Clear filters"),
        first_screen=True,
    ),
    "course-anonymous": Screen(
        lambda s: s.course.get_absolute_url(),
        _link("Log in to enroll"),
        first_screen=True,
        side_column=ENROLLMENT_ASIDE,
    ),
    "course-enrolled": Screen(
        lambda s: s.course.get_absolute_url(),
        _link("Continue learning"),
        as_student=True,
        first_screen=True,
        side_column=ENROLLMENT_ASIDE,
    ),
    "course-paid-buy": Screen(
        lambda s: s.paid.get_absolute_url(),
        _button("Buy for $49.00"),
        as_student=True,
        payments=True,
        first_screen=True,
        side_column=ENROLLMENT_ASIDE,
    ),
    "course-paid-payments-not-configured": Screen(
        lambda s: s.paid.get_absolute_url(),
        lambda page: page.get_by_test_id("payments-unavailable"),
        as_student=True,
        first_screen=True,
        side_column=ENROLLMENT_ASIDE,
    ),
    "preview-lesson": Screen(
        lambda s: s.preview.get_absolute_url(),
        lambda page: page.get_by_title("Video: Why Django"),
        first_screen=True,
        side_column=ENROLLMENT_ASIDE,  # the course's call to action beside the preview (issue 14)
    ),
    # A visitor on a lesson of a free course: what it is part of, sign up first, log in second.
    "lesson-locked-anonymous": Screen(
        lambda s: s.text.get_absolute_url(), _link("Sign up"), first_screen=True
    ),
    "lesson-locked-403": Screen(
        lambda s: s.locked.get_absolute_url(),
        _button("Buy for $49.00"),
        as_student=True,
        payments=True,
        first_screen=True,
    ),
    "lesson-with-progress": Screen(
        lambda s: s.text.get_absolute_url(),
        _button("Complete and continue"),
        as_student=True,
        first_screen=True,
        side_column=CONTENTS_ASIDE,
    ),
    "quiz-lesson": Screen(
        lambda s: s.quiz_lesson.get_absolute_url(),
        _link("Resume quiz"),
        as_student=True,
        first_screen=True,
        side_column=CONTENTS_ASIDE,
    ),
    # Below the questions and the review, as it should be.
    "quiz-take": Screen(lambda s: s.quiz_take_url, _button("Submit answers"), as_student=True),
    "quiz-result": Screen(lambda s: s.quiz_result_url, _link("Back to the lesson"), as_student=True),
    "assignment-lesson": Screen(
        lambda s: s.assignment.get_absolute_url(),
        _button("Submit assignment"),
        as_student=True,
        side_column=CONTENTS_ASIDE,
    ),
    # Refused: the lesson page again, the error on the form (issue 14).
    "assignment-form-error": Screen(
        lambda s: s.assignment.get_absolute_url(),
        _button("Submit assignment"),
        as_student=True,
        then=_send_an_empty_assignment,
    ),
    "my-learning": Screen(
        lambda s: reverse("learning:dashboard"),
        _link("Continue Django for grown-ups"),
        as_student=True,
    ),
    "notifications": Screen(
        lambda s: reverse("notifications:list"),
        _button("Mark all as read"),
        as_student=True,
        first_screen=True,
    ),
    # The student's review, published through the form: the page is scrolled to it.
    "course-with-reviews": Screen(
        lambda s: s.course.get_absolute_url(),
        _button("Update your review"),
        as_student=True,
        then=_publish_a_review,
    ),
    "review-form-error": Screen(
        lambda s: s.course.get_absolute_url(),
        _button("Publish your review"),
        as_student=True,
        then=_send_a_review_without_rating,
    ),
    "review-answer-form": Screen(
        lambda s: s.course.get_absolute_url(),
        _button("Publish answer"),
        as_instructor=True,
        side_column=ENROLLMENT_ASIDE,
    ),
    "review-answer-error": Screen(
        lambda s: s.course.get_absolute_url(),
        _button("Publish answer"),
        as_instructor=True,
        then=_send_an_empty_answer,
    ),
    "reviews-list": Screen(
        lambda s: reverse("community:reviews", kwargs={"slug": s.course.slug}), _button("Apply")
    ),
    # Ben finished the short course: congratulations, his certificate, a review prompt.
    "course-completed": Screen(
        lambda s: reverse("learning:course_completed", kwargs={"slug": "sourdough"}),
        _link("View your certificate"),
        as_user=lambda s: s.certificate.enrollment.user,
        first_screen=True,
    ),
    "certificate": Screen(
        lambda s: s.certificate.get_absolute_url(),
        lambda page: page.get_by_test_id("certificate-name"),
        first_screen=True,
    ),
    "certificate-revoked": Screen(
        lambda s: s.revoked_certificate.get_absolute_url(),
        lambda page: page.get_by_test_id("certificate-revoked"),
        first_screen=True,
    ),
    "lesson-questions": Screen(lambda s: s.questions_url, _button("Post your question"), as_student=True),
    "ask-rate-limited": Screen(
        lambda s: s.questions_url,
        _button("Post your question"),
        as_student=True,
        rate_limited=True,
        then=_ask_over_the_limit,
    ),
    # Replies by a student, a hidden one, the instructor's accepted answer.
    "question-with-replies": Screen(
        lambda s: s.question.get_absolute_url(), _button("Post your reply"), as_student=True
    ),
    "question-moderated": Screen(
        lambda s: s.question.get_absolute_url(), _button("Post your reply"), as_instructor=True
    ),
    "unanswered-questions": Screen(
        lambda s: reverse("community:unanswered"),
        _link("Can I squash a data migration?"),
        as_instructor=True,
        first_screen=True,
    ),
    "course-with-announcements": Screen(
        lambda s: f"{s.course.get_absolute_url()}#announcements",
        lambda page: page.get_by_role("article", name="New module next week"),
        as_student=True,
    ),
    "announcement-form": Screen(
        lambda s: reverse("community:announcement_new", kwargs={"slug": s.course.slug}),
        _button("Send to every active student"),
        as_instructor=True,
    ),
    "email-preferences": Screen(
        lambda s: reverse("notifications:preferences"),
        _button("Save preferences"),
        as_student=True,
    ),
    "unsubscribe": Screen(lambda s: s.unsubscribe_url, _button("Unsubscribe"), first_screen=True),
    "unsubscribed": Screen(
        lambda s: s.unsubscribe_url, _link("e-mail preferences"), then=_unsubscribe, first_screen=True
    ),
    "teaching-dashboard": Screen(
        lambda s: reverse("teaching:dashboard"),
        _link("Django for grown-ups"),
        as_instructor=True,
        first_screen=True,
    ),
    # Students, a quiz with attempts, the lesson funnel and ratings; no sales.
    "teaching-analytics": Screen(
        lambda s: reverse("teaching:analytics", kwargs={"slug": s.course.slug}),
        _link("Students"),
        as_instructor=True,
        first_screen=True,
    ),
    # A sale refunded in part: the revenue table and its chart with a legend.
    "teaching-analytics-sales": Screen(
        lambda s: reverse("teaching:analytics", kwargs={"slug": s.paid.slug}),
        lambda page: page.get_by_test_id("chart-revenue-usd"),
        as_instructor=True,
    ),
    "teaching-students-search": Screen(
        lambda s: reverse("teaching:students", kwargs={"slug": s.course.slug}),
        _link("Download all students (CSV)"),
        as_instructor=True,
        then=_search_students,
        first_screen=True,
    ),
    "log-in": Screen(lambda s: reverse("account_login"), _button("Log in"), first_screen=True),
    "sign-up": Screen(lambda s: reverse("account_signup"), _button("Sign up")),
    "password-reset": Screen(
        lambda s: reverse("account_reset_password"), _button("Reset My Password"), first_screen=True
    ),
    "not-found-404": Screen(lambda s: "/courses/no-such-course/", _link("Browse courses"), first_screen=True),
}


@pytest.fixture
def open_screen(page, log_in, site, student, instructor, settings):
    """open_screen(name, viewport) -> the Screen, with the page loaded as its viewer."""

    def _open(name: str, viewport: dict) -> Screen:
        screen = SCREENS[name]
        if screen.payments:
            settings.STRIPE_SECRET_KEY = "sk_test_not_called_by_these_checks"
        if screen.rate_limited:
            settings.DISCUSSION_POSTS_PER_WINDOW = 2  # they replied and asked a question just now
        if screen.as_student:
            log_in(student)
        if screen.as_instructor:
            log_in(instructor)
        if screen.as_user:
            log_in(screen.as_user(site))
        page.set_viewport_size(viewport)
        page.goto(screen.url(site))
        expect(page.get_by_role("main")).to_be_visible()
        if screen.then:
            screen.then(page)
        return screen

    return _open


def _horizontal_overflow(page) -> tuple[int, int]:
    return settled_widths(page)


@pytest.mark.parametrize("name", SCREENS)
def test_axe_finds_no_wcag_a_or_aa_violation(page, open_screen, name):
    open_screen(name, DESKTOP)

    results = Axe().run(page, options=AXE_OPTIONS)

    assert results.violations_count == 0, results.generate_report()


# Pages whose tables are wider than a phone: they scroll sideways in their own
# box there, which the keyboard must reach too. axe only sees that once a box
# overflows (scrollable-region-focusable), so these are also checked on a phone.
WIDE_TABLES = [
    "teaching-dashboard",
    "teaching-analytics",
    "teaching-analytics-sales",
    "teaching-students-search",
]


@pytest.mark.parametrize("name", WIDE_TABLES)
def test_axe_finds_no_violation_on_a_phone_where_tables_scroll(page, open_screen, name):
    open_screen(name, PHONE)

    results = Axe().run(page, options=AXE_OPTIONS)

    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("name", SCREENS)
def test_phone_has_no_sideways_scroll_and_shows_the_call_to_action(page, open_screen, name):
    screen = open_screen(name, PHONE)

    scroll_width, inner_width = _horizontal_overflow(page)
    assert scroll_width <= inner_width, (
        f"{name} scrolls sideways on a phone: {scroll_width}px > {inner_width}px"
    )
    cta = screen.cta(page)
    expect(cta).to_be_visible()
    box = cta.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"call to action off screen: {box}"
    if screen.first_screen:
        assert box["y"] + box["height"] <= PHONE["height"], f"call to action below the first screen: {box}"


@pytest.mark.parametrize("name", SCREENS)
def test_desktop_uses_the_side_columns(page, open_screen, name):
    screen = open_screen(name, DESKTOP)

    scroll_width, inner_width = _horizontal_overflow(page)
    assert scroll_width <= inner_width
    expect(screen.cta(page)).to_be_visible()
    if screen.side_column:
        heading = page.get_by_role("heading", level=1).bounding_box()
        side = page.locator(screen.side_column).bounding_box()
        # Beside the content, not under it: starts right of the title, level with the page top.
        assert side["x"] >= heading["x"] + 400, (heading, side)
        assert side["y"] < heading["y"] + heading["height"] + 200, (heading, side)


def test_catalogue_grid_has_several_columns_on_a_desktop_and_one_on_a_phone(page, site):
    def columns() -> int:
        return len(
            {round(box["x"]) for box in (c.bounding_box() for c in page.locator(".course-card").all())}
        )

    page.set_viewport_size(DESKTOP)
    page.goto("/")
    assert columns() >= 3
    page.set_viewport_size(PHONE)
    assert columns() == 1


def test_tab_reaches_the_skip_link_first_and_it_shows(page, site):
    page.goto("/")
    skip = page.get_by_role("link", name="Skip to content")

    page.keyboard.press("Tab")

    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    box = skip.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0 and box["width"] > 20, box
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


@pytest.mark.parametrize("name", ["catalogue", "course-enrolled", "notifications"])
def test_focused_links_and_buttons_show_an_outline(page, open_screen, name):
    """Tab through the page: every link and button that takes focus draws an outline."""
    open_screen(name, DESKTOP)
    seen = {"a": 0, "button": 0}
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {tag: el.tagName.toLowerCase(), text: el.textContent.trim().slice(0, 40),
                        style: style.outlineStyle, width: parseFloat(style.outlineWidth)};
            }"""
        )
        if focused["tag"] in seen:
            seen[focused["tag"]] += 1
            assert focused["style"] != "none" and focused["width"] >= 2, focused
    assert seen["a"] and seen["button"], seen
