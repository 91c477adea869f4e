"""The parts of `seed_bench` that make the big course worth analysing (its
teaching pages): a quiz closing each module, more than a million lesson
progress rows with each enrollment's percentage, completion and last activity,
the certificates of those who finished, their quiz attempts, its sales with
refunds and a lost dispute (demo/bench_seed_sales.py); and the superuser who
sees every course.

What is written is planned in demo/bench_big_plan.py. The big tables go in
with COPY on PostgreSQL (demo/bench_copy.py; bulk_create elsewhere). The
enrollments' figures are computed from the plan by the rules
`learning.services.progress` keeps (tests/demo/test_seed_bench.py checks that
recomputing them with `course_progress_refresh` changes nothing)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db.models import F
from django.utils import timezone

from courses.models import Choice, Course, Lesson, Question, Quiz
from demo import bench_big_plan as plan
from demo.bench_copy import rows_insert
from demo.bench_data import (
    BIG_SLUG,
    LESSON_TEXT,
    QUIZ_TEXTS,
    STUDENT_PASSWORD,
    SUPERUSER_EMAIL,
    Sizes,
)
from demo.bench_seed_sales import big_course_purchases_count, big_course_sales_seed
from enrollments.models import Enrollment
from learning.models import Certificate, LessonProgress, QuizAttempt
from lms.models import User

BATCH_SIZE = 5_000
PASS_MARK = 70
MAX_ATTEMPTS = 3
QUIZ_KINDS = [Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.TRUE_FALSE]

Step = tuple[str, Callable[[], int], int, Callable[[], None]]


def quizzes_create(lessons: Sequence[Lesson], *, questions: int, out: Callable[[str], None]) -> None:
    """A quiz on each of `lessons` (quiz lessons), `questions` questions each
    with the choices of bench.toml."""
    quizzes = Quiz.objects.bulk_create(
        Quiz(lesson=lesson, pass_mark=PASS_MARK, max_attempts=MAX_ATTEMPTS) for lesson in lessons
    )
    created = Question.objects.bulk_create(
        Question(
            quiz=quiz,
            kind=QUIZ_KINDS[order % len(QUIZ_KINDS)],
            prompt=f"Question {order + 1}: {QUIZ_TEXTS['prompt']}",
            explanation=QUIZ_TEXTS["explanation"],
            order=order,
        )
        for quiz in quizzes
        for order in range(questions)
    )
    choices = [
        Choice(question=question, text=text, is_correct=correct, order=order)
        for question in created
        for order, (text, correct) in enumerate(QUIZ_TEXTS["choices"][question.kind])
    ]
    Choice.objects.bulk_create(choices, batch_size=BATCH_SIZE)
    out(f"  quizzes: {len(quizzes)}, questions: {len(created)}, choices: {len(choices)}")


class BigCourseSeeder:
    """`seed_bench`'s steps for the big course, in the command's shape: (label,
    count of the rows found, count expected, seed). `student_ids` maps the bench
    students' indexes to user ids."""

    def __init__(
        self, *, sizes: Sizes, student_ids: Callable[[], dict[int, int]], out: Callable[[str], None]
    ):
        self.sizes = sizes
        self.student_ids = student_ids
        self.out = out
        self.students = plan.big_students_planned(sizes)
        self.purchases = plan.purchases_planned(sizes)
        self.now = timezone.now()

    def steps(self) -> list[Step]:
        total = plan.lesson_count(self.sizes)
        return [
            ("bench superuser", self._count_superuser, 1, self._seed_superuser),
            ("big course quizzes", self._count_quizzes, self.sizes.big[0], self._seed_quizzes),
            (
                "big course progress",
                self._count_progress,
                sum(student.lessons for student in self.students),
                self._seed_progress,
            ),
            (
                "big course certificates",
                self._count_certificates,
                sum(student.lessons == total for student in self.students),
                self._seed_certificates,
            ),
            (
                "big course quiz attempts",
                self._count_attempts,
                sum(sum(student.tries) for student in self.students),
                self._seed_attempts,
            ),
            (
                "big course sales",
                big_course_purchases_count,
                len(self.purchases),
                lambda: big_course_sales_seed(
                    purchases=self.purchases, users=self.student_ids(), now=self.now, out=self.out
                ),
            ),
        ]

    def _ago(self, seconds: float) -> datetime:
        return self.now - timedelta(seconds=seconds)

    def _course(self) -> Course:
        return Course.objects.select_related("instructor").get(slug=BIG_SLUG)

    # --- The superuser ------------------------------------------------------------------

    def _count_superuser(self) -> int:
        return User.objects.filter(email=SUPERUSER_EMAIL, is_superuser=True).count()

    def _seed_superuser(self) -> None:
        User.objects.create(
            email=SUPERUSER_EMAIL,
            password=make_password(STUDENT_PASSWORD),
            first_name="Bench",
            last_name="Administrator",
            is_staff=True,
            is_superuser=True,
        )

    # --- Quizzes: each module's last lesson ------------------------------------------------

    def _count_quizzes(self) -> int:
        return Quiz.objects.filter(lesson__module__course__slug=BIG_SLUG).count()

    def _seed_quizzes(self) -> None:
        positions = {plan.quiz_position(module, self.sizes) for module in range(self.sizes.big[0])}
        ordered = Lesson.objects.filter(module__course__slug=BIG_SLUG).in_curriculum_order()
        lessons = [lesson for position, lesson in enumerate(ordered) if position in positions]
        # updated_at: the curriculum's cache version (courses/curriculum.py) changes with it.
        Lesson.objects.filter(pk__in=[lesson.pk for lesson in lessons]).update(
            kind=Lesson.Kind.QUIZ, video_id="", content=LESSON_TEXT, updated_at=self.now
        )
        quizzes_create(lessons, questions=self.sizes.questions_per_quiz, out=self.out)

    # --- Progress and the enrollments' figures -------------------------------------------

    def _count_progress(self) -> int:
        return LessonProgress.objects.filter(lesson__module__course__slug=BIG_SLUG).count()

    def _seed_progress(self) -> None:
        users = self.student_ids()
        lessons = list(
            Lesson.objects.filter(module__course__slug=BIG_SLUG)
            .in_curriculum_order()
            .values_list("pk", flat=True)
        )

        def rows():
            for student in self.students:
                for position, lesson in enumerate(lessons[: student.lessons]):
                    at = self._ago(student.lesson_ago(position))
                    yield users[student.student], lesson, at, at

        fields = ("user_id", "lesson_id", "completed_at", "updated_at")
        expected = sum(student.lessons for student in self.students)
        rows_insert(LessonProgress, fields, rows(), total=expected, label="lesson progress", out=self.out)
        self._enrollments_update(users=users, total=len(lessons))

    def _enrollments_update(self, *, users: dict[int, int], total: int) -> None:
        """Each enrollment as the services would have left it: enrolled when
        planned, its percentage, completed_at when the last lesson was, and its
        last activity (a lesson marked or a quiz sent)."""
        enrollments = dict(Enrollment.objects.filter(course__slug=BIG_SLUG).values_list("user_id", "pk"))
        updated = []
        for student in self.students:
            finished = student.lessons == total
            last = plan.last_activity_ago(student, self.sizes)
            updated.append(
                Enrollment(
                    pk=enrollments[users[student.student]],
                    enrolled_at=self._ago(student.enrolled),
                    progress_percent=plan.progress_percent(student.lessons, total),
                    completed_at=self._ago(student.lesson_ago(total - 1)) if finished else None,
                    last_activity_at=None if last is None else self._ago(last),
                )
            )
        Enrollment.objects.bulk_update(
            updated, ["enrolled_at", "progress_percent", "completed_at", "last_activity_at"], batch_size=1_000
        )
        self.out(f"  enrollments: {len(updated):,} updated")

    # --- Certificates ---------------------------------------------------------------------

    def _count_certificates(self) -> int:
        return Certificate.objects.filter(enrollment__course__slug=BIG_SLUG).count()

    def _seed_certificates(self) -> None:
        course = self._course()
        finished = Enrollment.objects.filter(course=course, completed_at__isnull=False).select_related("user")
        Certificate.objects.bulk_create(
            (
                Certificate(
                    enrollment=enrollment,
                    student_name=enrollment.user.display_name,
                    course_title=course.title,
                    instructor_name=course.instructor.display_name,
                    completed_at=enrollment.completed_at,
                )
                for enrollment in finished
            ),
            batch_size=BATCH_SIZE,
        )
        # Issued when completed, as `learning.services.progress` does (bulk_create stamps now).
        issued = Certificate.objects.filter(enrollment__course=course).update(issued_at=F("completed_at"))
        self.out(f"  certificates: {issued:,}")

    # --- Quiz attempts --------------------------------------------------------------------

    def _count_attempts(self) -> int:
        return QuizAttempt.objects.filter(quiz__lesson__module__course__slug=BIG_SLUG).count()

    def _seed_attempts(self) -> None:
        users = self.student_ids()
        lessons = list(
            Lesson.objects.filter(module__course__slug=BIG_SLUG, kind=Lesson.Kind.QUIZ)
            .select_related("quiz")
            .in_curriculum_order()
        )
        questions: dict[int, list[Question]] = {}
        for question in (
            Question.objects.filter(quiz__lesson__in=lessons).prefetch_related("choices").order_by("order")
        ):
            questions.setdefault(question.quiz_id, []).append(question)
        # Per quiz, in curriculum order: its id, its question ids, their points, and per question
        # what `quiz_attempt_submit` records when it is answered right and when wrong (the last
        # choice, a wrong one). Built once: 80,000 attempts share them.
        quizzes = [(lesson.quiz.pk, *_answer_sheet(questions[lesson.quiz.pk])) for lesson in lessons]
        drawer = plan.AnswerDrawer(PASS_MARK)

        def rows():
            for student in self.students:
                user = users[student.student]
                for attempt in plan.attempts_planned(student, self.sizes):
                    quiz_id, order, points, sheet = quizzes[attempt.quiz]
                    right = drawer.right(attempt.quiz, len(order), attempt.passed)
                    earned = sum(p for p, ok in zip(points, right, strict=True) if ok)
                    yield (
                        user,
                        quiz_id,
                        attempt.number,
                        self._ago(attempt.started),
                        self._ago(attempt.submitted),
                        earned * 100 // sum(points),
                        attempt.passed,
                        False,
                        order,
                        [answers[0 if ok else 1] for answers, ok in zip(sheet, right, strict=True)],
                    )

        fields = (
            "user_id",
            "quiz_id",
            "attempt_number",
            "started_at",
            "submitted_at",
            "score",
            "passed",
            "timed_out",
            "question_order",
            "answers",
        )
        expected = sum(sum(student.tries) for student in self.students)
        rows_insert(QuizAttempt, fields, rows(), total=expected, label="quiz attempts", out=self.out)


def _answer_sheet(questions: Sequence[Question]) -> tuple[list[int], list[int], list[tuple[dict, dict]]]:
    """A quiz's question ids, their points, and each one's recorded answer
    (learning.models.QuizAttempt.answers) when right and when wrong."""
    sheet = []
    for question in questions:
        choices = list(question.choices.all())
        right, wrong = sorted(c.pk for c in choices if c.is_correct), [choices[-1].pk]
        sheet.append(
            tuple(
                {
                    "question": question.pk,
                    "choices": chosen,
                    "correct": ok,
                    "points": question.points * ok,
                    "out_of": question.points,
                }
                for chosen, ok in ((right, True), (wrong, False))
            )
        )
    return [question.pk for question in questions], [question.points for question in questions], sheet
