"""Reviews and certificates, end to end in Chromium: a student finishes a small
course, reviews it, sees the new figures on the course page and the catalogue
card, opens their certificate from My learning and prints it on one page; the
instructor answers the review and the student is told."""

import re

import pytest
from playwright.sync_api import expect

from community.models import Review
from community.services import review_save
from learning.services.progress import lesson_complete
from tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, ModuleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Writing tests that last"
# allauth renders its forms with form.as_p, whose labels end with a colon.
EMAIL = re.compile(r"^Email:?$")
PASSWORD = re.compile(r"^Password:?$")
# One page object each in Chromium's PDF: "/Type /Page", never "/Type /Pages" (the page tree).
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


@pytest.fixture
def course(instructor):
    """A published free course of three text lessons, reviewed 3 stars by a
    student who got a third of the way through."""
    course = CourseFactory(
        title=TITLE,
        slug="tests-that-last",
        subtitle="Fixtures, factories, the browser",
        instructor=instructor,
    )
    module = ModuleFactory(course=course, title="Foundations", order=0)
    lessons = [
        LessonFactory(module=module, title=title, content=content, order=order)
        for order, (title, content) in enumerate(
            [
                ("What a test is for", "A test pins a behaviour someone relies on."),
                ("Factories, not fixtures files", "A factory says only what the test is about."),
                ("Tests in the browser", "Assert on what the user sees."),
            ]
        )
    ]
    earlier = UserFactory(email="ben@example.com", first_name="Ben", last_name="Okafor")
    EnrollmentFactory(user=earlier, course=course)
    lesson_complete(user=earlier, lesson=lessons[0])
    review_save(user=earlier, course=course, rating=3, body="Solid, if a little slow at the start.")
    return course


@pytest.fixture
def mina(db):
    return UserFactory(email="mina@example.com", first_name="Mina", last_name="Haddad")


def log_in(page, user, password, lands_on: str = "My learning") -> None:
    """Through the real log-in form; allauth lands a student on My learning, an instructor on Teaching."""
    page.goto("/accounts/login/")
    page.get_by_label(EMAIL).fill(user.email)
    page.get_by_label(PASSWORD).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=lands_on, level=1)).to_be_visible()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def catalogue_card(page):
    return page.get_by_role("article").filter(has=page.get_by_role("heading", name=TITLE, level=2))


def pdf_pages(pdf: bytes) -> int:
    return len(PDF_PAGE.findall(pdf))


def test_student_reviews_a_finished_course_and_prints_the_certificate(page, course, mina, password):
    page.goto("/courses/")
    expect(catalogue_card(page)).to_contain_text("3.0 out of 5 (1 rating)")

    log_in(page, mina, password)
    page.goto(course.get_absolute_url())
    reviews = page.get_by_role("region", name="Reviews")
    expect(reviews.get_by_test_id("rating-average")).to_have_text("3.0 ★ out of 5 · 1 rating")
    expect(reviews.get_by_role("article", name="Ben O.")).to_contain_text("Solid, if a little slow")
    expect(reviews.get_by_test_id("review-refusal")).to_have_text(
        "Enroll in this course and complete 20% of the course to review it."
    )

    page.get_by_role("button", name="Enroll for free").click()
    expect(page.get_by_role("status")).to_contain_text(f"You are enrolled in “{TITLE}”.")
    for title, percent in [
        ("What a test is for", 33),
        ("Factories, not fixtures files", 66),
        ("Tests in the browser", 100),
    ]:
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
        page.get_by_role("button", name="Mark as complete").click()
        expect(page.get_by_role("status")).to_contain_text(
            f"“{title}” is complete. You are {percent}% through."
        )
        expect(page.get_by_text("Completed ✓")).to_be_visible()
        if percent < 100:
            page.get_by_role("navigation", name="Lessons").get_by_role("link", name=re.compile("→$")).click()

    page.get_by_role("link", name=f"← {TITLE}").click()
    form = page.locator("#your-review")
    expect(form.get_by_test_id("review-refusal")).to_have_count(0)
    form.get_by_role("group", name="Your rating").get_by_role("radio", name="5 stars").check()
    form.get_by_label("Your review").fill("Clear and *practical*: I rewrote my own suite the week after.")
    form.get_by_role("button", name="Publish your review").click()

    expect(page).to_have_url(re.compile(rf"{re.escape(course.get_absolute_url())}#reviews$"))
    expect(page.get_by_role("status")).to_contain_text("Thank you: your review is published.")
    expect(reviews.get_by_test_id("rating-average")).to_have_text("4.0 ★ out of 5 · 2 ratings")
    mine = reviews.get_by_role("article", name="Mina H.")
    expect(mine).to_contain_text("5 out of 5 stars")
    expect(mine).to_contain_text("Clear and practical: I rewrote my own suite the week after.")
    expect(mine.locator("em")).to_have_text("practical")
    expect(form.get_by_role("radio", name="5 stars")).to_be_checked()
    expect(form.get_by_role("button", name="Update your review")).to_be_visible()
    # The same figures beside the title, and on the catalogue card.
    expect(page.locator(".course-intro .rating-meta")).to_have_text("★ 4.0 out of 5 (2 ratings)")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
    expect(catalogue_card(page)).to_contain_text("4.0 out of 5 (2 ratings)")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    expect(page.get_by_text("100% complete · Course completed")).to_be_visible()
    page.get_by_role("link", name=f"Certificate for {TITLE}").click()
    expect(page.get_by_role("heading", name="Certificate of completion", level=1)).to_be_visible()
    certificate = page.get_by_role("article", name="Certificate of completion")
    expect(certificate.get_by_test_id("certificate-name")).to_have_text("Mina Haddad")
    expect(certificate.get_by_text(TITLE, exact=True)).to_be_visible()
    expect(certificate).to_contain_text("Ada Lovelace")
    expect(page.get_by_test_id("certificate-revoked")).to_have_count(0)

    page.emulate_media(media="print")
    expect(page.get_by_role("banner")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("contentinfo")).to_be_hidden()
    expect(certificate.get_by_test_id("certificate-name")).to_be_visible()
    for paper in ("A4", "Letter"):
        pdf = page.pdf(format=paper, print_background=True)
        assert pdf.startswith(b"%PDF") and pdf_pages(pdf) == 1, (paper, pdf_pages(pdf))


def test_instructor_answers_a_review_and_the_student_is_told(page, course, instructor, mina, password):
    EnrollmentFactory(user=mina, course=course)
    for lesson in course.modules.get().lessons.all():
        lesson_complete(user=mina, lesson=lesson)
    review_save(user=mina, course=course, rating=5, body="Clear and practical.")

    log_in(page, instructor, password, lands_on="Teaching")
    page.goto(course.get_absolute_url())
    reviews = page.get_by_role("region", name="Reviews")
    # The teacher answers reviews; they do not write one.
    expect(reviews.get_by_role("heading", name="Your review")).to_have_count(0)
    review = reviews.get_by_role("article", name="Mina H.")
    expect(review).to_contain_text("Clear and practical.")
    expect(review.get_by_text("The instructor answered")).to_have_count(0)
    review.get_by_label("Answer this review").fill("Thank you, Mina: the next module covers **mocking**.")
    review.get_by_role("button", name="Publish answer").click()

    expect(page.get_by_role("status")).to_contain_text("Your answer is published.")
    expect(page.get_by_role("heading", name=f"Reviews of {TITLE}", level=1)).to_be_visible()
    review = page.get_by_role("article", name="Mina H.")
    expect(review.get_by_text("The instructor answered")).to_be_visible()
    expect(review).to_contain_text("Thank you, Mina: the next module covers mocking.")
    expect(review.get_by_label("Edit your answer")).to_have_value(
        "Thank you, Mina: the next module covers **mocking**."
    )
    page.get_by_role("link", name=f"← {TITLE}").click()
    answer = page.get_by_role("region", name="Reviews").get_by_role("article", name="Mina H.")
    expect(answer.get_by_text("The instructor answered")).to_be_visible()
    expect(answer.locator("strong", has_text="mocking")).to_be_visible()
    log_out(page)

    log_in(page, mina, password)
    badge = page.get_by_test_id("unread-count")
    expect(badge).to_have_text("2")  # course completed, the answer
    page.get_by_role("link", name=re.compile(r"^Notifications")).click()
    notification = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=f"The instructor answered your review of “{TITLE}”")
    )
    # The answer's Markdown is rendered in the notification, as on the review.
    expect(notification).to_contain_text("Thank you, Mina: the next module covers mocking.")
    expect(notification.locator("strong", has_text="mocking")).to_be_visible()
    notification.get_by_role("link", name="See the reply").click()
    review_pk = Review.objects.get(user=mina, course=course).pk
    expect(page).to_have_url(re.compile(rf"/courses/tests-that-last/reviews/#review-{review_pk}$"))
    mine = page.get_by_role("article", name="Mina H.")
    expect(mine.get_by_text("The instructor answered")).to_be_visible()
    expect(mine).to_be_in_viewport()
