"""`seed_demo` works a demo student through a whole course (a certificate) and
writes reviews, through the services students and instructors use; a second
run changes nothing, and what students did themselves is kept."""

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import CommandError
from django.http import QueryDict

from community.models import CourseRating, Review
from community.services import review_answer, review_delete, review_save
from courses.models import Course, Lesson, Quiz
from demo.catalogue import CATALOGUE_PATH, CatalogueError, catalogue_load
from enrollments.models import Enrollment
from learning.models import Certificate, LessonProgress, QuizAttempt, Submission
from learning.services.assignments import submission_submit
from learning.services.progress import lesson_complete
from learning.services.quizzes import quiz_attempt_start, quiz_attempt_submit
from lms.models import User
from notifications.models import Notification
from tests.demo.conftest import broken_catalogue, row_counts, seed, snapshot

pytestmark = pytest.mark.django_db

SAM = "sam@doctrina.example"
COMPLETED = "web-accessibility-in-practice"
DATA_SAM = "catalogue.toml > students[1] 'sam@doctrina.example'"
DATA_AIKO = "catalogue.toml > reviews[3] (aiko@doctrina.example on django-for-beginners)"
DATA_TOM = "catalogue.toml > reviews[6] (tom@doctrina.example on web-accessibility-in-practice)"


def lessons_of(slug: str) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course__slug=slug).in_curriculum_order())


def completed_titles(email: str, slug: str) -> list[str]:
    done = LessonProgress.objects.filter(user__email=email, completed_at__isnull=False).values_list(
        "lesson_id", flat=True
    )
    return [lesson.title for lesson in lessons_of(slug) if lesson.pk in set(done)]


# --- the completed course ----------------------------------------------------------------------------


def test_the_demo_student_holds_one_certificate_for_the_completed_course(client):
    seed()
    sam = User.objects.get(email=SAM)
    certificate = Certificate.objects.select_related("enrollment__course").get(enrollment__user=sam)
    enrollment = certificate.enrollment
    assert enrollment.course.slug == COMPLETED
    assert (enrollment.progress_percent, enrollment.is_active) == (100, True)
    assert enrollment.completed_at == certificate.completed_at
    assert (certificate.student_name, certificate.course_title, certificate.instructor_name) == (
        "Sam Rivera", "Web Accessibility in Practice", "Maya Okafor",
    )  # fmt: skip
    assert Certificate.objects.count() == 1  # nobody else completes a course
    notice = Notification.objects.get(user=sam, kind=Notification.Kind.COMPLETED)
    assert notice.url == certificate.get_absolute_url()

    page = client.get(certificate.get_absolute_url())
    assert page.status_code == 200
    assert "Sam Rivera" in page.content.decode()


def test_every_kind_of_lesson_of_it_was_completed_as_a_student_would():
    seed()
    sam = User.objects.get(email=SAM)
    lessons = lessons_of(COMPLETED)
    assert {lesson.kind for lesson in lessons} == set(Lesson.Kind.values)
    assert completed_titles(SAM, COMPLETED) == [lesson.title for lesson in lessons]
    # The quiz passed once, with every answer right.
    attempt = QuizAttempt.objects.get(user=sam, quiz__lesson__module__course__slug=COMPLETED)
    assert (attempt.attempt_number, attempt.score, attempt.passed) == (1, 100, True)
    # The assignment sent once and passed by the course's instructor, with the file's texts.
    audit = next(
        lesson
        for course in catalogue_load().courses
        for module in course.modules
        for lesson in module.lessons
        if lesson.title == "Audit a page"
    )
    submission = Submission.objects.select_related("reviewed_by").get(user=sam)
    assert submission.status == Submission.Status.PASSED
    assert submission.reviewed_by.email == "maya@doctrina.example"
    assert (submission.text, submission.feedback) == (
        audit.demo_submission.text, audit.demo_submission.feedback,
    )  # fmt: skip
    assert Notification.objects.filter(user=sam, kind=Notification.Kind.REVIEW).count() == 1


# --- reviews -----------------------------------------------------------------------------------------


def test_the_reviews_exist_with_their_answers():
    seed()
    catalogue = catalogue_load()
    assert Review.objects.count() == len(catalogue.reviews)
    assert any(entry.answer for entry in catalogue.reviews)
    for entry in catalogue.reviews:
        review = Review.objects.get(user__email=entry.student, course__slug=entry.course)
        assert (review.rating, review.body, review.reply) == (entry.rating, entry.body, entry.answer)
        assert (review.replied_at is not None) == bool(entry.answer)
        assert review.edited_at is None and review.hidden_at is None
    answered = [entry for entry in catalogue.reviews if entry.answer]
    told = Notification.objects.filter(kind=Notification.Kind.REVIEW_REPLY)
    assert sorted(told.values_list("user__email", flat=True)) == sorted(e.student for e in answered)


def test_the_course_figures_are_those_of_the_reviews(client):
    seed()
    ratings: dict[str, list[int]] = {}
    for entry in catalogue_load().reviews:
        ratings.setdefault(entry.course, []).append(entry.rating)
    assert len(ratings) >= 2
    for slug, stars in ratings.items():
        assert len(stars) >= 3, slug  # enough for the "Highest rated" order
        figures = CourseRating.objects.get(course__slug=slug)
        average = (Decimal(sum(stars)) / len(stars)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert (figures.count, figures.average) == (len(stars), average)
        counts = Counter(stars)
        assert [getattr(figures, f"stars_{n}") for n in range(1, 6)] == [counts[n] for n in range(1, 6)]

        page = client.get(Course.objects.get(slug=slug).get_absolute_url()).content.decode()
        shown = average.quantize(Decimal("0.1"), ROUND_HALF_UP)  # as floatformat:1 rounds
        assert f'<span class="rating-number">{shown}</span>' in page
        assert f"· {len(stars)} ratings</p>" in page
    assert "Thank you, Aiko, that is fair." in client.get("/courses/django-for-beginners/").content.decode()


def test_each_reviewer_has_just_the_progress_a_review_needs(settings):
    seed()
    threshold = settings.REVIEW_MIN_PROGRESS
    assert threshold == 20
    catalogue = catalogue_load()
    for entry in catalogue.reviews:
        if (entry.student, entry.course) in catalogue.completions:
            continue
        enrollment = Enrollment.objects.get(user__email=entry.student, course__slug=entry.course)
        assert enrollment.progress_percent >= threshold, entry
        # The first lessons in curriculum order, and not one more than needed.
        lessons, done = lessons_of(entry.course), completed_titles(entry.student, entry.course)
        assert done == [lesson.title for lesson in lessons[: len(done)]], entry
        assert (len(done) - 1) * 100 // len(lessons) < threshold, entry
    assert not Submission.objects.exclude(user__email=SAM).exists()
    assert not QuizAttempt.objects.exclude(user__email=SAM).exists()


def test_a_higher_threshold_is_reached_through_quizzes_and_assignments_too(settings):
    settings.REVIEW_MIN_PROGRESS = 100
    seed()
    counts, values = row_counts(), snapshot()
    catalogue = catalogue_load()
    reviewers = {(entry.student, entry.course) for entry in catalogue.reviews}
    certified = Certificate.objects.values_list("enrollment__user__email", "enrollment__course__slug")
    assert set(certified) == reviewers | set(catalogue.completions)
    assert Submission.objects.filter(status=Submission.Status.PASSED).count() == len(reviewers)
    assert QuizAttempt.objects.filter(passed=True).count() == len(reviewers)
    assert Review.objects.count() == len(catalogue.reviews)

    assert "nothing changed" in seed()
    assert (row_counts(), snapshot()) == (counts, values)


# --- what students did themselves ---------------------------------------------------------------------


def test_a_rerun_keeps_an_edited_review_and_answer_and_a_students_own_progress():
    seed()
    priya = User.objects.get(email="priya@doctrina.example")
    tom = User.objects.get(email="tom@doctrina.example")
    django = Course.objects.get(slug="django-for-beginners")
    review_save(user=priya, course=django, rating=4, body="Still good, but the refresher is long.")
    aiko_review = Review.objects.get(user__email="aiko@doctrina.example")
    review_answer(review=aiko_review, body="Done: the tour now says the refresher is optional.")
    lesson_complete(user=tom, lesson=lessons_of(COMPLETED)[1])
    counts, values = row_counts(), snapshot()

    assert "nothing changed" in seed()

    assert (row_counts(), snapshot()) == (counts, values)
    assert Review.objects.get(user=priya).rating == 4
    assert CourseRating.objects.get(course=django).average == Decimal("4.00")


def test_a_deleted_review_is_written_again_without_more_progress():
    seed()
    priya = User.objects.get(email="priya@doctrina.example")
    review_delete(user=priya, course=Course.objects.get(slug="django-for-beginners"))
    counts = row_counts()

    output = seed()

    assert "priya@doctrina.example reviewed django-for-beginners: 5 stars" in output
    assert "priya@doctrina.example completed" not in output
    assert row_counts() == {**counts, "community.Review": counts["community.Review"] + 1}


@pytest.fixture
def sam_started_alone(tmp_path, monkeypatch):
    """A demo database in which Sam is enrolled in the course he completes in
    the data file, and has not completed it yet."""
    path = broken_catalogue(tmp_path, 'completed = ["web-accessibility-in-practice"]', "")
    monkeypatch.setattr("demo.catalogue.CATALOGUE_PATH", path)
    seed()
    monkeypatch.setattr("demo.catalogue.CATALOGUE_PATH", CATALOGUE_PATH)
    sam = User.objects.get(email=SAM)
    assert not Certificate.objects.filter(enrollment__user=sam).exists()
    quiz = Quiz.objects.select_related("lesson__module").get(lesson__module__course__slug=COMPLETED)
    return sam, quiz


def test_work_the_student_began_is_finished_not_replaced(sam_started_alone):
    sam, quiz = sam_started_alone
    landmarks, audit = lessons_of(COMPLETED)[1], lessons_of(COMPLETED)[3]
    lesson_complete(user=sam, lesson=landmarks)
    marked_at = LessonProgress.objects.get(user=sam, lesson=landmarks).completed_at
    own = submission_submit(user=sam, lesson=audit, text="My own audit of my own site.")
    open_attempt = quiz_attempt_start(user=sam, quiz=quiz)

    output = seed()

    assert f"{SAM} completed {COMPLETED} / Landmarks and headings" not in output
    assert LessonProgress.objects.get(user=sam, lesson=landmarks).completed_at == marked_at
    submission = Submission.objects.get(user=sam)  # their own, passed; no second one
    assert (submission.pk, submission.text, submission.status) == (own.pk, own.text, "passed")
    attempt = QuizAttempt.objects.get(user=sam)  # the attempt they had opened, submitted
    assert (attempt.pk, attempt.passed) == (open_attempt.pk, True)
    assert Enrollment.objects.get(user=sam, course=quiz.lesson.module.course).progress_percent == 100
    assert Certificate.objects.filter(enrollment__user=sam).count() == 1


def test_a_lesson_the_seed_cannot_complete_stops_it_and_writes_nothing(sam_started_alone):
    sam, quiz = sam_started_alone
    Quiz.objects.filter(pk=quiz.pk).update(max_attempts=1)
    quiz.refresh_from_db()
    quiz_attempt_submit(attempt=quiz_attempt_start(user=sam, quiz=quiz), data=QueryDict())
    counts, values = row_counts(), snapshot()

    with pytest.raises(CommandError) as error:
        seed()

    assert str(error.value) == (
        f"{SAM} cannot complete {COMPLETED} / Quiz: accessible forms:"
        " You have used all your attempts at this quiz."
    )
    assert (row_counts(), snapshot()) == (counts, values)


# --- mistakes in the data file ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("rating = 3", "ratin = 3", f"{DATA_AIKO}: unknown key 'ratin'"),
        ("rating = 3\n", "", f"{DATA_AIKO}: missing key 'rating'"),
        ("rating = 3", "rating = 6", f"{DATA_AIKO}: rating 6 is not 1 to 5 stars"),
        ("rating = 3", "rating = 0", f"{DATA_AIKO}: rating 0 is not 1 to 5 stars"),
        ("rating = 3", 'rating = "3"', f"{DATA_AIKO}: 'rating' must be an integer, not '3'"),
        (
            'student = "tom@doctrina.example"',
            'student = "priya@doctrina.example"',
            "reviews[6] (priya@doctrina.example on web-accessibility-in-practice): "
            "'priya@doctrina.example' is not a student enrolled in 'web-accessibility-in-practice'",
        ),
        (
            'student = "tom@doctrina.example"',
            'student = "maya@doctrina.example"',
            "'maya@doctrina.example' is not a student enrolled in 'web-accessibility-in-practice'",
        ),
        (
            'course = "web-accessibility-in-practice"\nrating = 4',
            'course = "web-a11y"\nrating = 4',
            "reviews[6] (tom@doctrina.example on web-a11y): course 'web-a11y' is no course here",
        ),
        (
            'student = "elena@doctrina.example"',
            'student = "sam@doctrina.example"',
            "catalogue.toml: review 'sam@doctrina.example on web-accessibility-in-practice' appears twice",
        ),
        (
            'student = "tom@doctrina.example"',
            'answer = " "\nstudent = "tom@doctrina.example"',
            f"{DATA_TOM}: the 'answer' is empty (leave the key out for no answer)",
        ),
        (
            'body = "The HTML crash course',
            f'body = "{"x" * 5_000}The HTML crash course',
            f"{DATA_TOM}: the body is longer than 5,000 characters",
        ),
        (
            'completed = ["web-accessibility-in-practice"]',
            'completed = ["sql-that-scales"]',
            f"{DATA_SAM}: completes 'sql-that-scales', which is not in its 'enrolled_in'",
        ),
        (
            'completed = ["web-accessibility-in-practice"]',
            'completed = ["web-accessibility-in-practice", "web-accessibility-in-practice"]',
            f"{DATA_SAM}: completed course 'web-accessibility-in-practice' appears twice",
        ),
        (
            'completed = ["web-accessibility-in-practice"]',
            "completed = [1]",
            f"{DATA_SAM}: 'completed' lists course slugs, not 1",
        ),
        (
            'completed = ["web-accessibility-in-practice"]',
            'completed = "web-accessibility-in-practice"',
            f"{DATA_SAM}: 'completed' must be an array",
        ),
        (
            'title = "Landmarks and headings"\nkind = "text"',
            'title = "Landmarks and headings"\nkind = "text"\ndemo_submission = { text = "Done." }',
            "lessons[2] 'Landmarks and headings': only a lesson of kind 'assignment' has a demo_submission",
        ),
        (
            "*what happened*, *why*, and *what to do next*.\n'''",
            "*what happened*, *why*, and *what to do next*.\n'''\ndemo_submission = { text = \" \" }",
            "lessons[3] 'Rewrite an error message' > demo_submission: the 'text' is empty",
        ),
    ],
)
def test_a_mistake_in_the_new_entries_is_refused_naming_the_entry(tmp_path, old, new, message):
    with pytest.raises(CatalogueError) as error:
        catalogue_load(broken_catalogue(tmp_path, old, new, after="[[students]]"))
    assert message in str(error.value)
    assert str(error.value).startswith("catalogue.toml")


def without_demo_submission(tmp_path, lesson_title: str):
    text = CATALOGUE_PATH.read_text(encoding="utf-8")
    start = text.index("[courses.modules.lessons.demo_submission]", text.index(f'title = "{lesson_title}"'))
    end = text.index("\n", text.index("feedback = ", start))
    path = tmp_path / "catalogue.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    return path


def test_an_assignment_the_seed_would_complete_needs_a_demo_submission(tmp_path, settings):
    with pytest.raises(CatalogueError) as error:
        catalogue_load(without_demo_submission(tmp_path, "Audit a page"))
    assert str(error.value) == (
        f"{DATA_SAM}: {SAM} completes 'web-accessibility-in-practice', so the seed may complete its "
        "assignment 'Forms and focus' > 'Audit a page', which needs a 'demo_submission'"
    )
    # A reviewer may need any lesson of the course, as REVIEW_MIN_PROGRESS says.
    path = without_demo_submission(tmp_path, "Assignment: a reading list")
    with pytest.raises(CatalogueError, match=r"reviews\[1\] .*'Assignment: a reading list', which needs"):
        catalogue_load(path)
    settings.REVIEW_MIN_PROGRESS = 0  # reviews need no progress: no lesson is completed for them
    assert len(catalogue_load(path).reviews) == 7
