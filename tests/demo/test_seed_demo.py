"""`seed_demo` builds a believable catalogue from its data file, and a second run changes nothing."""

from decimal import Decimal

import pytest
from django.core.management import CommandError
from django.http import QueryDict

from community.announcements.models import Announcement
from community.discussions.models import Question as DiscussionQuestion
from community.discussions.models import Reply
from community.models import CourseRating, Review
from courses.models import Category, Choice, Course, Lesson, Module, Question, Quiz
from courses.quizzes import field_name, question_answer_errors
from courses.services import lessons_renumber
from demo.catalogue import CATALOGUE_PATH, CatalogueError, catalogue_load
from enrollments.models import Enrollment
from learning.models import Certificate, LessonProgress, QuizAttempt, Submission
from learning.services.quizzes import quiz_attempt_start, quiz_attempt_submit
from lms.markdown import render_markdown
from lms.models import User
from lms.services import INSTRUCTORS_GROUP
from notifications.models import EmailDelivery, Notification
from tests.demo.conftest import broken_catalogue, row_counts, seed, snapshot

pytestmark = pytest.mark.django_db


def test_running_twice_changes_nothing():
    first_output = seed()
    counts, values = row_counts(), snapshot()
    second_output = seed()
    assert row_counts() == counts
    # Every table the seed writes is counted, and has rows.
    seeded = (
        Quiz,
        Question,
        Choice,
        LessonProgress,
        QuizAttempt,
        Submission,
        Certificate,
        Review,
        CourseRating,
        DiscussionQuestion,
        Reply,
        Announcement,
        EmailDelivery,
    )
    assert all(counts[m._meta.label] for m in seeded), counts
    assert snapshot() == values
    assert "Created course" in first_output
    assert "Created course" not in second_output
    assert "nothing changed" in second_output


def test_running_after_an_instructor_edit_keeps_the_edit_and_adds_nothing():
    seed()
    module = Module.objects.get(course__slug="django-for-beginners", title="Getting started")
    first, second, third = module.lessons.all()
    Lesson.objects.filter(pk=first.pk).update(order=5, title="Welcome (updated)")
    lessons_renumber(module=module)
    counts = row_counts()
    seed()
    # The renamed lesson is new to the seed's natural key (module, title), so it
    # comes back once; everything else is untouched and the order stays dense.
    assert row_counts()["courses.Lesson"] == counts["courses.Lesson"] + 1
    assert list(module.lessons.values_list("title", flat=True)) == [
        second.title, third.title, "Welcome (updated)", "Welcome and course tour",
    ]  # fmt: skip
    assert list(module.lessons.values_list("order", flat=True)) == [0, 1, 2, 3]


def test_catalogue_has_every_kind_of_course_and_lesson():
    seed()
    courses = Course.objects.all()
    assert courses.count() >= 6
    assert {c.status for c in courses} == {Course.Status.DRAFT, Course.Status.PUBLISHED}
    assert any(c.is_free for c in courses)
    assert any(not c.is_free for c in courses)
    assert {c.currency for c in courses if not c.is_free} >= {"usd", "eur", "jpy"}
    assert any(c.is_free and c.is_published for c in courses)
    assert any(not c.is_free and c.is_published for c in courses)
    assert set(Lesson.objects.values_list("kind", flat=True)) == set(Lesson.Kind.values)
    assert Lesson.objects.filter(is_preview=True).exists()
    assert Lesson.objects.filter(is_preview=False).exists()
    for course in courses:
        assert course.modules.exists(), course
        assert all(m.lessons.exists() for m in course.modules.all()), course
        assert course.subtitle
        assert course.description


def test_every_course_is_filed_under_categories_with_a_level_and_language(client):
    seed()
    assert Category.objects.count() >= 3
    for course in Course.objects.all():
        assert course.categories.exists(), course
    assert len({c.level for c in Course.objects.all()}) >= 3
    # The catalogue offers them and filters by them.
    response = client.get("/courses/", {"category": "data-and-databases"})
    titles = {course.title for course in response.context["page"].object_list}
    assert titles == {"Python Data Foundations", "SQL That Scales"}


def test_a_demo_database_from_before_categories_gains_them_and_keeps_an_instructors_choice():
    seed()
    Course.objects.get(slug="sql-that-scales").categories.clear()
    writing = Course.objects.get(slug="technical-writing-for-engineers")
    writing.categories.set([Category.objects.get(slug="web-development")])
    seed()
    assert Course.objects.get(slug="sql-that-scales").categories.count() == 2
    assert list(writing.categories.values_list("slug", flat=True)) == ["web-development"]


def test_courses_are_spread_over_two_instructors():
    seed()
    instructors = User.objects.filter(is_instructor=True)
    assert instructors.count() == 2
    for instructor in instructors:
        assert instructor.is_staff
        assert not instructor.is_superuser
        assert instructor.groups.filter(name=INSTRUCTORS_GROUP).exists()
        assert instructor.has_perm("courses.change_lesson")
        assert instructor.title
        assert instructor.courses_taught.count() >= 2
    assert set(Course.objects.values_list("instructor", flat=True)) == set(
        instructors.values_list("pk", flat=True)
    )


def test_users_and_printed_passwords_work():
    output = seed()
    admins = User.objects.filter(is_superuser=True)
    assert admins.count() == 1
    students = User.objects.filter(is_staff=False, is_superuser=False, is_instructor=False)
    assert students.count() == 6
    # Every account's password is printed next to its e-mail and logs in.
    accounts = output.split("Log in with")[1].splitlines()
    for user in User.objects.all():
        line = next(line for line in accounts if user.email in line)
        password = line.split()[-1]
        assert user.check_password(password), user.email


def test_order_is_dense_everywhere():
    seed()
    for course in Course.objects.all():
        assert list(course.modules.values_list("order", flat=True)) == list(range(course.modules.count()))
    for module in Module.objects.all():
        assert list(module.lessons.values_list("order", flat=True)) == list(range(module.lessons.count()))


def test_videos_are_real_embeds_and_text_is_markdown():
    seed()
    videos = Lesson.objects.filter(kind=Lesson.Kind.VIDEO)
    assert {v.video_embed.provider for v in videos} == {"youtube", "vimeo"}
    assert videos.filter(video_id="").exists()  # some given as links…
    assert videos.exclude(video_id="").exists()  # …and some as bare ids
    for text in Lesson.objects.filter(kind=Lesson.Kind.TEXT):
        html = str(render_markdown(text.content))
        assert len(text.content) > 80, text.title
        assert any(tag in html for tag in ("<h2>", "<pre>", "<ul>", "<ol>", "<code>")), text.title
    assert Lesson.objects.filter(kind=Lesson.Kind.TEXT, content__contains="```").exists()


def test_enrollments_are_free_published_courses_with_one_notification_each():
    seed()
    enrollments = Enrollment.objects.select_related("course", "user")
    assert enrollments.count() >= 3
    for enrollment in enrollments:
        assert enrollment.course.is_free
        assert enrollment.course.is_published
        assert enrollment.is_active
        assert not enrollment.user.is_instructor
    assert Notification.objects.filter(kind=Notification.Kind.ENROLLED).count() == enrollments.count()


def test_progress_is_reported():
    output = seed()
    assert "Created user admin@doctrina.example" in output
    assert output.count("Created course") == Course.objects.count()
    assert "enrolled sam@doctrina.example in django-for-beginners" in output
    done = "sam@doctrina.example completed web-accessibility-in-practice"
    assert f"{done} / Quiz: accessible forms (passed the quiz with 100%)" in output
    assert f"{done} / Audit a page (assignment passed by maya@doctrina.example)" in output
    assert f"{done}: certificate /certificates/" in output
    assert "aiko@doctrina.example reviewed django-for-beginners: 3 stars" in output
    assert (
        "maya@doctrina.example answered the review of django-for-beginners by aiko@doctrina.example" in output
    )


# --- quizzes ----------------------------------------------------------------------------------------


def test_every_quiz_lesson_is_a_quiz_with_answerable_questions_of_every_kind():
    seed()
    quiz_lessons = Lesson.objects.filter(kind=Lesson.Kind.QUIZ)
    assert quiz_lessons.count() >= 4
    for lesson in quiz_lessons:
        quiz = lesson.quiz
        assert quiz.pass_mark == 70, lesson.title
        questions = list(quiz.questions.prefetch_related("choices"))
        assert len(questions) >= 3, lesson.title
        assert {q.kind for q in questions} == set(Question.Kind.values), lesson.title
        assert [q.order for q in questions] == list(range(len(questions))), lesson.title
        for question in questions:
            choices = list(question.choices.all())
            errors = question_answer_errors(
                kind=question.kind,
                correct_count=sum(c.is_correct for c in choices),
                choice_count=len(choices),
            )
            assert errors == [], (lesson.title, question.prompt, errors)
            assert question.explanation, question.prompt
            # Choices are shown as plain text (prompts and explanations are Markdown).
            assert not [c.text for c in choices if "`" in c.text or "**" in c.text], question.prompt
    # Something for every setting a student meets.
    limited = Quiz.objects.filter(max_attempts=3, time_limit_minutes=10)
    assert limited.count() == 1
    assert limited.get().lesson.module.course.is_published
    assert set(Quiz.objects.values_list("show_answers", flat=True)) == set(Quiz.ShowAnswers.values)
    assert Quiz.objects.filter(shuffle_questions=True).exists()


def test_a_seeded_student_passes_a_seeded_quiz_with_the_right_answers():
    seed()
    quiz = Quiz.objects.select_related("lesson__module").get(lesson__title="Check your understanding: models")
    student = User.objects.get(email="sam@doctrina.example")

    attempt = quiz_attempt_start(user=student, quiz=quiz)
    data = QueryDict(mutable=True)
    for question in quiz.questions.prefetch_related("choices"):
        data.setlist(field_name(question.pk), [str(c.pk) for c in question.choices.all() if c.is_correct])
    attempt = quiz_attempt_submit(attempt=attempt, data=data)

    assert (attempt.score, attempt.passed) == (100, True)
    assert LessonProgress.objects.get(user=student, lesson=quiz.lesson).is_completed


def test_a_demo_database_from_before_quizzes_gains_them_and_keeps_the_rest():
    seed()
    counts = row_counts()
    # What a demo database seeded before quizzes looked like: no attempts (they
    # protect their quiz), no quizzes.
    QuizAttempt.objects.all().delete()
    Quiz.objects.all().delete()
    before = {label: rows for label, rows in snapshot().items() if label not in QUIZ_LABELS}

    output = seed()

    # The attempts went with the quizzes; Sam completed that course before, so
    # the seed leaves it alone rather than take its quiz again.
    assert row_counts() == {**counts, "learning.QuizAttempt": 0}
    assert {label: rows for label, rows in snapshot().items() if label not in QUIZ_LABELS} == before
    assert "+ quiz Check your understanding: models: 4 questions" in output


def test_an_instructors_edits_to_a_seeded_question_survive_a_rerun():
    seed()
    question = Question.objects.filter(kind=Question.Kind.MULTIPLE).first()
    question.choices.filter(is_correct=False).delete()
    Choice.objects.create(question=question, text="Their own wrong answer", order=9)
    choices = list(question.choices.values_list("text", "is_correct"))
    counts = row_counts()

    seed()

    assert row_counts() == counts
    assert list(question.choices.values_list("text", "is_correct")) == choices


QUIZ_LABELS = {"courses.Quiz", "courses.Question", "courses.Choice", "learning.QuizAttempt"}


# --- the data file ----------------------------------------------------------------------------------


def test_the_data_file_loads_with_exact_prices_and_every_entry():
    catalogue = catalogue_load()
    roles = [role for role, _ in catalogue.accounts()]
    assert roles == ["admin", *["instructor"] * 2, *["student"] * 6]
    prices = {course.slug: course.price for course in catalogue.courses}
    assert prices["sql-that-scales"] == Decimal("19.99")
    assert str(prices["python-data-foundations"]) == "49.00"
    assert catalogue.enrollments[0] == ("sam@doctrina.example", "django-for-beginners")
    # Every entry written in the file is read, and seeded.
    text = CATALOGUE_PATH.read_text(encoding="utf-8")
    modules = [m for c in catalogue.courses for m in c.modules]
    lessons = [lesson for m in modules for lesson in m.lessons]
    quizzes = [lesson.quiz for lesson in lessons if lesson.quiz]
    questions = [q for quiz in quizzes for q in quiz.questions]
    assert len(catalogue.courses) == text.count("\n[[courses]]\n")
    assert len(modules) == text.count("\n[[courses.modules]]\n")
    assert len(lessons) == text.count("\n[[courses.modules.lessons]]\n")
    assert len(questions) == text.count("\n[[courses.modules.lessons.quiz.questions]]\n")
    seed()
    assert [m.objects.count() for m in (Course, Module, Lesson, Quiz, Question)] == [
        len(catalogue.courses), len(modules), len(lessons), len(quizzes), len(questions),
    ]  # fmt: skip
    assert Choice.objects.count() == sum(len(q.choices) for q in questions)
    assert Enrollment.objects.count() == len(catalogue.enrollments)


LESSON = "lessons[2] 'Quiz: isolation levels'"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "shuffle_questions = true",
            "shuffle_question = true",
            f"{LESSON} > quiz: unknown key 'shuffle_question'",
        ),
        ('kind = "quiz"\nduration = 600', "duration = 600", f"{LESSON}: missing key 'kind'"),
        ('kind = "quiz"\nduration = 600', 'kind = "quizz"\nduration = 600', "kind 'quizz' is not one of"),
        ('price = "19.99"', "price = 19.99", "'price' must be a string, not 19.99"),
        ("duration = 600", "duration = true", "'duration' must be an integer, not True"),
        (
            'title = "Every input needs a label"',
            'title = "Audit a page"',
            "lesson title 'Audit a page' appears twice",
        ),
        (
            "answer = true",
            "answer = true\nchoices = []",
            "a true/false question gives its 'answer', not 'choices'",
        ),
        (
            '{ text = "4.5:1", correct = true }',
            '{ text = "4.5:1", correct = false }',
            "needs exactly one correct",
        ),
        (
            'enrolled_in = ["web-accessibility-in-practice"]',
            'enrolled_in = ["web-a11y"]',
            "'web-a11y', which is no",
        ),
    ],
)
def test_a_mistake_in_the_data_file_is_refused_naming_the_entry(tmp_path, old, new, message):
    with pytest.raises(CatalogueError) as error:
        catalogue_load(broken_catalogue(tmp_path, old, new))
    assert message in str(error.value)
    assert str(error.value).startswith("catalogue.toml")


def test_seed_demo_writes_nothing_from_a_broken_data_file(tmp_path, monkeypatch):
    path = broken_catalogue(tmp_path, 'title = "Audit a page"', 'titel = "Audit a page"')
    monkeypatch.setattr("demo.catalogue.CATALOGUE_PATH", path)
    with pytest.raises(CommandError, match="unknown key 'titel'"):
        seed()
    assert not Course.objects.exists()
