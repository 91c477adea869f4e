"""Nothing a student did is ever lost (issue 12): deleting a lesson or a module
students worked on archives it (their progress, quiz attempts, submissions with
their files and questions stay; the percentage of every enrollment is
recomputed), the admin says which will happen before it is confirmed,
untouched content is deleted as before, a superuser restores, and no code path
(a shell, a bulk delete, deleting a course) cascades through a student's work."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import ProtectedError
from django.http import QueryDict
from django.urls import reverse

from community.discussions.models import Question as DiscussionQuestion
from courses.catalogue import catalogue_courses
from courses.curriculum import curriculum_get
from courses.models import Course, Lesson, Module
from courses.selectors import course_first_lesson
from courses.services import lessons_delete_or_archive, modules_delete_or_archive
from courses.student_work import student_work_paths
from enrollments.models import Enrollment
from learning.models import Certificate, LessonProgress, QuizAttempt, Submission
from learning.selectors.percentages import progress_current_annotation
from learning.selectors.progress import continue_lesson_id_expression
from learning.services.assignments import submission_submit
from learning.services.progress import lesson_complete
from learning.services.quizzes import quiz_attempt_start, quiz_attempt_submit
from tests.courses.test_admin import form_data
from tests.factories import CourseFactory, EnrollmentFactory, ModuleFactory, UserFactory
from tests.learning.factories import QuizFactory, question_with_choices

pytestmark = pytest.mark.django_db


class Classroom:
    """A course of two modules: 1 = [text, quiz], 2 = [assignment, text].
    alice completed the text lesson and passed the quiz; bob sent the
    assignment with a file; carol has done nothing."""

    def __init__(self, instructor):
        self.course = CourseFactory(instructor=instructor, title="Archive course")
        first = ModuleFactory(course=self.course, order=0, title="First module")
        second = ModuleFactory(course=self.course, order=1, title="Second module")
        self.modules = [first, second]
        self.text = Lesson.objects.create(module=first, title="Reading", kind="text", order=0, duration=60)
        self.quiz_lesson = Lesson.objects.create(
            module=first, title="Checkpoint", kind="quiz", order=1, duration=120
        )
        self.quiz = QuizFactory(lesson=self.quiz_lesson, pass_mark=50)
        self.question, self.choices = question_with_choices(self.quiz, correct=(0,))
        self.assignment = Lesson.objects.create(
            module=second, title="Essay", kind="assignment", order=0, duration=240
        )
        self.spare = Lesson.objects.create(
            module=second, title="Extra reading", kind="text", order=1, duration=480
        )
        self.alice, self.bob, self.carol = (
            EnrollmentFactory(course=self.course, user=UserFactory(email=f"{name}@example.com"))
            for name in ("alice", "bob", "carol")
        )
        lesson_complete(user=self.alice.user, lesson=self.text)
        attempt = quiz_attempt_start(user=self.alice.user, quiz=self.quiz)
        data = QueryDict(mutable=True)
        data.setlist(f"question_{self.question.pk}", [str(self.choices[0].pk)])
        self.attempt = quiz_attempt_submit(attempt=attempt, data=data)
        self.submission = submission_submit(
            user=self.bob.user,
            lesson=self.assignment,
            text="My essay",
            file=SimpleUploadedFile("essay.txt", b"Forty-two pages of insight."),
        )

    def percents(self) -> list[int]:
        """What the students see now (stored, or computed on read until the refresh job ran)."""
        current = Enrollment.objects.annotate(**progress_current_annotation())
        return [current.get(pk=e.pk).progress_current for e in (self.alice, self.bob, self.carol)]


@pytest.fixture
def room(instructor):
    return Classroom(instructor)


def delete_url(obj) -> str:
    return reverse(f"admin:courses_{obj._meta.model_name}_delete", args=[obj.pk])


def changelist_url(model) -> str:
    return reverse(f"admin:courses_{model._meta.model_name}_changelist")


# --- the admin says which will happen, then does it ----------------------------------------------


def test_the_delete_page_of_a_touched_lesson_says_it_will_be_archived(client, instructor, room):
    client.force_login(instructor)
    html = client.get(delete_url(room.text)).content.decode()
    assert 'data-testid="will-be-archived"' in html and "Reading" in html
    assert "their progress, quiz results, submissions with their files and questions are kept" in html
    assert 'data-testid="will-be-deleted"' not in html
    assert 'value="Yes, archive"' in html

    html = client.get(delete_url(room.spare)).content.decode()
    assert 'data-testid="will-be-deleted"' in html and 'data-testid="will-be-archived"' not in html
    assert 'value="Yes, delete"' in html


def test_deleting_a_touched_lesson_archives_it_keeps_the_work_and_recomputes_everyone(
    client, instructor, room
):
    assert room.percents() == [50, 0, 0]  # alice: 2 of 4
    client.force_login(instructor)

    response = client.post(delete_url(room.text), {"post": "yes"})

    assert response.status_code == 302
    lesson = Lesson.objects.get(pk=room.text.pk)
    assert lesson.archived_at is not None
    assert LessonProgress.objects.filter(
        lesson=lesson, user=room.alice.user, completed_at__isnull=False
    ).exists()
    assert room.percents() == [33, 0, 0]  # alice: the quiz, 1 of the 3 lessons left
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Archived the lesson “Reading”" in m for m in messages)


def test_deleting_a_quiz_lesson_keeps_the_attempts_and_an_assignment_keeps_submissions_and_files(
    client, instructor, room
):
    client.force_login(instructor)
    file_name = room.submission.file.name
    storage = Submission._meta.get_field("file").storage

    assert client.post(delete_url(room.quiz_lesson), {"post": "yes"}).status_code == 302
    assert client.post(delete_url(room.assignment), {"post": "yes"}).status_code == 302

    assert (
        Lesson.objects.filter(
            pk__in=[room.quiz_lesson.pk, room.assignment.pk], archived_at__isnull=False
        ).count()
        == 2
    )
    assert QuizAttempt.objects.filter(pk=room.attempt.pk, score=100, passed=True).exists()
    assert Submission.objects.filter(pk=room.submission.pk, text="My essay").exists()
    assert storage.exists(file_name)
    assert room.percents() == [50, 0, 0]  # alice: the text lesson, 1 of the 2 left


def test_deleting_an_untouched_lesson_deletes_it_and_recomputes(client, instructor, room):
    client.force_login(instructor)
    assert client.post(delete_url(room.spare), {"post": "yes"}).status_code == 302
    assert not Lesson.objects.filter(pk=room.spare.pk).exists()
    assert room.percents() == [66, 0, 0]
    assert list(room.modules[1].lessons.values_list("title", "order")) == [("Essay", 0)]


def test_the_bulk_delete_action_archives_touched_lessons_and_deletes_the_rest(client, instructor, room):
    client.force_login(instructor)
    selected = {"action": "delete_selected", "_selected_action": [room.text.pk, room.spare.pk]}

    confirmation = client.post(changelist_url(Lesson), selected)
    html = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert 'data-testid="will-be-archived"' in html and 'data-testid="will-be-deleted"' in html
    assert Lesson.objects.filter(pk__in=[room.text.pk, room.spare.pk]).count() == 2  # nothing yet

    response = client.post(changelist_url(Lesson), {**selected, "post": "yes"})

    assert response.status_code == 302
    assert Lesson.objects.get(pk=room.text.pk).archived_at is not None
    assert not Lesson.objects.filter(pk=room.spare.pk).exists()
    assert LessonProgress.objects.filter(lesson=room.text).exists()
    assert room.percents() == [50, 0, 0]  # alice: the quiz, 1 of 2


def test_deleting_a_touched_module_archives_it_with_its_lessons(client, instructor, room):
    client.force_login(instructor)
    html = client.get(delete_url(room.modules[0])).content.decode()
    assert 'data-testid="will-be-archived"' in html and "First module" in html

    assert client.post(delete_url(room.modules[0]), {"post": "yes"}).status_code == 302

    module = Module.objects.get(pk=room.modules[0].pk)
    assert module.archived_at is not None
    assert set(module.lessons.values_list("title", flat=True)) == {"Reading", "Checkpoint"}
    assert LessonProgress.objects.filter(user=room.alice.user).count() == 2
    assert QuizAttempt.objects.filter(pk=room.attempt.pk).exists()
    assert room.percents() == [0, 0, 0]  # the two lessons left: none done
    assert [lesson.title for lesson in curriculum_get(course=room.course).lessons] == [
        "Essay",
        "Extra reading",
    ]


def test_deleting_an_untouched_module_deletes_it(client, instructor, room):
    empty = ModuleFactory(course=room.course, order=2, title="Unused")
    Lesson.objects.create(module=empty, title="Never opened", kind="text", order=0)
    client.force_login(instructor)
    assert 'data-testid="will-be-deleted"' in client.get(delete_url(empty)).content.decode()
    assert client.post(delete_url(empty), {"post": "yes"}).status_code == 302
    assert not Module.objects.filter(pk=empty.pk).exists()
    assert not Lesson.objects.filter(title="Never opened").exists()


def test_the_bulk_delete_of_modules_archives_the_touched_one(client, instructor, room):
    client.force_login(instructor)
    response = client.post(
        changelist_url(Module),
        {"action": "delete_selected", "_selected_action": [m.pk for m in room.modules], "post": "yes"},
    )
    assert response.status_code == 302
    assert Module.objects.filter(course=room.course, archived_at__isnull=False).count() == 2  # bob's essay
    assert Submission.objects.filter(pk=room.submission.pk).exists()


def test_a_touched_lesson_cannot_be_deleted_from_the_module_page_inline(client, instructor, room):
    client.force_login(instructor)
    url = reverse("admin:courses_module_change", args=[room.modules[0].pk])
    data = form_data(client.get(url))
    index = next(i for i in range(2) if data[f"lessons-{i}-id"] == str(room.text.pk))
    data[f"lessons-{index}-DELETE"] = "on"

    response = client.post(url, data)

    assert response.status_code == 200
    assert "Students have worked on “Reading”" in response.content.decode()
    assert Lesson.objects.filter(pk=room.text.pk, archived_at__isnull=True).exists()


# --- restore -------------------------------------------------------------------------------------


def test_a_superuser_restores_an_archived_lesson_and_everyone_is_recomputed(
    client, instructor, superuser, room
):
    lessons_delete_or_archive(lessons=Lesson.objects.filter(pk=room.text.pk))
    assert room.percents() == [33, 0, 0]
    client.force_login(superuser)

    listed = client.get(changelist_url(Lesson), {"archived": "yes"})
    assert [row.pk for row in listed.context["cl"].result_list] == [room.text.pk]

    response = client.post(
        changelist_url(Lesson), {"action": "restore_selected", "_selected_action": [room.text.pk]}
    )

    assert response.status_code == 302
    assert Lesson.objects.get(pk=room.text.pk).archived_at is None
    assert room.percents() == [50, 0, 0]
    assert curriculum_get(course=room.course).lessons[0].title == "Reading"


def test_a_superuser_restores_an_archived_module(client, superuser, room):
    modules_delete_or_archive(modules=Module.objects.filter(pk=room.modules[0].pk))
    client.force_login(superuser)
    client.post(
        changelist_url(Module), {"action": "restore_selected", "_selected_action": [room.modules[0].pk]}
    )
    assert Module.objects.get(pk=room.modules[0].pk).archived_at is None
    assert room.percents() == [50, 0, 0]


def test_an_instructor_neither_sees_nor_restores_archived_content(client, instructor, room):
    lessons_delete_or_archive(lessons=Lesson.objects.filter(pk=room.text.pk))
    client.force_login(instructor)
    listed = client.get(changelist_url(Lesson))
    assert room.text.pk not in [row.pk for row in listed.context["cl"].result_list]
    assert "restore_selected" not in listed.content.decode()
    client.post(changelist_url(Lesson), {"action": "restore_selected", "_selected_action": [room.text.pk]})
    assert Lesson.objects.get(pk=room.text.pk).archived_at is not None


# --- courses: never deleted under their students --------------------------------------------------


def test_a_course_with_students_is_not_deleted_and_the_admin_says_why(client, instructor, room):
    client.force_login(instructor)
    page = client.get(delete_url(room.course))
    html = page.content.decode()
    assert 'data-testid="course-not-deleted"' in html
    assert "3 enrollments" in html and "Archived" in html

    client.post(delete_url(room.course), {"post": "yes"})
    client.post(
        changelist_url(Course),
        {"action": "delete_selected", "_selected_action": [room.course.pk], "post": "yes"},
    )

    assert Course.objects.filter(pk=room.course.pk).exists()
    assert Enrollment.objects.filter(course=room.course).count() == 3
    assert Submission.objects.filter(pk=room.submission.pk).exists()


def test_a_course_nobody_joined_is_deleted_as_before(client, instructor):
    course = CourseFactory(instructor=instructor)
    Lesson.objects.create(module=ModuleFactory(course=course), title="Alone", kind="text")
    client.force_login(instructor)
    assert client.post(delete_url(course), {"post": "yes"}).status_code == 302
    assert not Course.objects.filter(pk=course.pk).exists()


def test_no_code_path_cascades_through_a_students_work(room):
    with pytest.raises(ProtectedError):
        Lesson.objects.filter(pk=room.text.pk).delete()  # a shell, a bulk queryset delete
    with pytest.raises(ProtectedError):
        Module.objects.filter(course=room.course).delete()
    with pytest.raises(ProtectedError):
        room.quiz.delete()
    with pytest.raises(ProtectedError):
        room.course.delete()
    DiscussionQuestion.objects.create(
        lesson=room.spare,
        author=room.carol.user,
        title="Why?",
        body="?",
        token="9b2c1d1e-9d8f-4b59-8a0e-2d5f0e7a1c11",
    )
    with pytest.raises(ProtectedError):
        room.spare.delete()
    assert LessonProgress.objects.count() == 2 and Submission.objects.count() == 1


def test_every_kind_of_student_work_is_found_through_the_model_graph():
    kinds = {(path.model._meta.label, path.lookup) for path in student_work_paths(Lesson)}
    assert kinds == {
        ("learning.LessonProgress", "lesson"),
        ("learning.Submission", "lesson"),
        ("learning.QuizAttempt", "quiz__lesson"),
        ("community.Question", "lesson"),
    }
    course_kinds = {path.model._meta.label for path in student_work_paths(Course)}
    assert {"enrollments.Enrollment", "payments.Purchase", "community.Review"} <= course_kinds


def test_a_lesson_with_only_a_question_on_it_is_archived(room):
    DiscussionQuestion.objects.create(
        lesson=room.spare,
        author=room.carol.user,
        title="Why?",
        body="?",
        token="9b2c1d1e-9d8f-4b59-8a0e-2d5f0e7a1c12",
    )
    removal = lessons_delete_or_archive(lessons=Lesson.objects.filter(pk=room.spare.pk))
    assert [lesson.pk for lesson in removal.archived] == [room.spare.pk]
    assert DiscussionQuestion.objects.filter(lesson=room.spare).exists()


# --- archived content is out of every count, order and "next" ------------------------------------


def test_archived_lessons_leave_the_curriculum_counts_next_lesson_and_first_lesson(room):
    lessons_delete_or_archive(lessons=Lesson.objects.filter(pk__in=[room.text.pk, room.spare.pk]))

    curriculum = curriculum_get(course=room.course)
    assert [lesson.title for lesson in curriculum.lessons] == ["Checkpoint", "Essay"]
    assert curriculum.archived_lesson_count == 1  # the untouched one was deleted
    card = catalogue_courses().get(pk=room.course.pk)
    assert (card.lesson_count, card.total_duration) == (2, 360)
    assert course_first_lesson(course=room.course) == room.quiz_lesson
    next_ids = dict(Enrollment.objects.annotate(n=continue_lesson_id_expression()).values_list("pk", "n"))
    assert next_ids[room.alice.pk] == room.assignment.pk  # not the archived lesson she left undone
    assert next_ids[room.carol.pk] == room.quiz_lesson.pk


def test_finishing_what_is_left_completes_the_course_with_its_certificate(
    room, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the refresh job stores and completes
        lessons_delete_or_archive(
            lessons=Lesson.objects.filter(
                module__course=room.course, kind__in=["assignment", "text"]
            ).exclude(pk=room.text.pk)
        )
    enrollment = Enrollment.objects.get(pk=room.alice.pk)
    assert enrollment.progress_percent == 100 and enrollment.completed_at is not None
    assert Certificate.objects.filter(enrollment=enrollment).exists()


def test_the_teaching_funnel_and_quiz_figures_leave_archived_lessons_out(room):
    from django.utils import timezone

    from teaching.selectors.analytics import course_analytics_get

    lessons_delete_or_archive(lessons=Lesson.objects.filter(pk__in=[room.text.pk, room.quiz_lesson.pk]))
    page = course_analytics_get(course=room.course, now=timezone.now())
    assert [step.lesson.title for step in page.funnel] == ["Essay", "Extra reading"]
    assert page.quizzes == []


# --- the migrations keep every row --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # sqlmigrate opens a schema editor: not inside a test's transaction
@pytest.mark.parametrize(
    ("app", "migration"),
    [
        ("learning", "0007_student_work_protected"),
        ("community", "0006_student_work_protected"),
        ("enrollments", "0006_enrollment_course_protected"),
    ],
)
def test_protecting_student_work_changes_no_table(app, migration):
    # on_delete lives in Django, not in the schema: no table is rebuilt, no row touched.
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("sqlmigrate", app, migration, stdout=out)
    statements = [line for line in out.getvalue().splitlines() if line and not line.startswith("--")]
    assert statements in ([], ["BEGIN;", "COMMIT;"])


@pytest.mark.django_db(transaction=True)
def test_archiving_adds_two_empty_columns_and_nothing_else():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("sqlmigrate", "courses", "0005_content_archive", stdout=out)
    statements = [line for line in out.getvalue().splitlines() if line and not line.startswith("--")]
    changes = [s for s in statements if s not in ("BEGIN;", "COMMIT;")]
    assert [s.split(" ADD COLUMN ")[0] for s in changes] == [
        'ALTER TABLE "courses_lesson"',
        'ALTER TABLE "courses_module"',
    ]
    assert all('"archived_at"' in s and s.endswith("NULL;") for s in changes)
