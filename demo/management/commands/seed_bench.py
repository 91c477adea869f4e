"""`python manage.py seed_bench`: the large data set that `make bench` measures.

200 published courses (one of 50 modules x 20 lessons, a typical one of 20 x 10,
one paid course left without students for the webhook benchmark, the rest small),
10,000 students and 100,000 enrollments, one "Course enrolled!" notification
per enrollment, lesson progress through the typical course, and its quizzes.

Rows are written with bulk_create in batches, one transaction per part, so a
part is either all there or absent. A second run counts each part and skips
what is already seeded with the same sizes; a part found with other sizes stops
the command (`--reset` deletes the bench rows first). Everything seeded is
recognisable: course slugs start with `bench-`, e-mails end with BENCH_DOMAIN.

Not for a database with real data: 10,000 accounts share one password hash.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from courses.models import Choice, Course, Lesson, Module, Question, Quiz
from enrollments.models import Enrollment
from learning.models import LessonProgress
from lms.models import User
from notifications.models import Notification
from payments.models import Purchase

BENCH_DOMAIN = "bench.doctrina.invalid"
SLUG_PREFIX = "bench-"
BIG_SLUG = "bench-big-course"
TYPICAL_SLUG = "bench-typical-course"
# Published and paid, with no seeded enrollment: the webhook benchmark sells it.
PAID_SLUG = "bench-paid-course"
STUDENT_PASSWORD = "bench-student-password"  # noqa: S105 - seeded accounts only

BATCH_SIZE = 5_000


@dataclass(frozen=True)
class Sizes:
    courses: int = 200  # all published; the big, typical and paid courses included
    big: tuple[int, int] = (50, 20)  # modules x lessons per module
    typical: tuple[int, int] = (20, 10)
    other: tuple[int, int] = (4, 6)
    instructors: int = 20
    students: int = 10_000
    enrollments: int = 100_000
    typical_students: int = 5_000  # students 0 .. 4,999
    big_students: int = 5_000  # students 2,500 .. 7,499: half of them also take the typical course
    questions_per_quiz: int = 10

    @property
    def other_courses(self) -> int:
        return self.courses - 3

    @property
    def big_first_student(self) -> int:
        return self.typical_students // 2

    @property
    def lessons(self) -> int:
        # The paid course has the small courses' size.
        small = (self.other_courses + 1) * self.other[0] * self.other[1]
        return self.big[0] * self.big[1] + self.typical[0] * self.typical[1] + small


SIZES = Sizes()

# Students the benchmark logs in as. Both take the typical and the big course
# and nine others (eleven enrollments).
STUDENT_ENROLLED = 2_501  # no lesson completed
STUDENT_PROGRESS = 3_000  # half of the typical course completed
PROGRESS_STUDENT_COMPLETED = 100


def student_email(index: int) -> str:
    return f"student{index:05d}@{BENCH_DOMAIN}"


def instructor_email(index: int) -> str:
    return f"instructor{index:02d}@{BENCH_DOMAIN}"


def typical_lessons_completed(student: int) -> int:
    """How many lessons of the typical course (the first ones, in curriculum
    order) a student of that course has completed."""
    if student == STUDENT_ENROLLED:
        return 0
    if student == STUDENT_PROGRESS:
        return PROGRESS_STUDENT_COMPLETED
    return student % 41


def other_courses_of(student: int, *, sizes: Sizes = SIZES) -> list[int]:
    """Indexes (0-based, among the small courses) of the small courses a student
    takes, so that the enrollments add up to `sizes.enrollments`. A step coprime
    with the number of small courses gives distinct courses for each student."""
    core = sizes.typical_students + sizes.big_students
    per_student, extra = divmod(sizes.enrollments - core, sizes.students)
    count = per_student + (1 if student < extra else 0)
    if count > sizes.other_courses:
        raise CommandError("More enrollments per student than there are courses.")
    return [(student * 7 + j * 23) % sizes.other_courses for j in range(count)]


LESSON_TEXT = """## What you will do

This lesson walks through one idea with a worked example, then leaves you a short
exercise. Read it once quickly, then again with the code open.

```python
from django.db.models import Count


def popular_courses(limit=10):
    return Course.objects.annotate(students=Count("enrollments")).order_by("-students")[:limit]
```

1. Run the example against your own database.
2. Change the ordering and predict the SQL before you look at it.
3. Write down one question for the next live session.

> **Tip:** `queryset.explain()` prints the plan PostgreSQL chose.

| Term | Meaning |
|---|---|
| annotate | add a computed column to every row |
| aggregate | reduce the rows to one value |
"""

COURSE_DESCRIPTION = """A practical course for working developers, built around one project that
grows a little in every module.

**You will learn to**

- model your data and migrate the database safely
- keep views thin and move the work into services and selectors
- measure before you optimise, and read a query plan

Every module ends with a short quiz and most with an exercise you can finish in an
evening. *No prior Django experience is needed*, only some Python.
"""

FIRST_NAMES = [
    "Ada",
    "Ben",
    "Chen",
    "Dana",
    "Emil",
    "Fatima",
    "Goran",
    "Hana",
    "Ivan",
    "Jun",
    "Kemal",
    "Lena",
]
LAST_NAMES = [
    "Okafor",
    "Brandt",
    "Nair",
    "Rivera",
    "Becker",
    "Silva",
    "Kowalski",
    "Tanaka",
    "Haddad",
    "Novak",
]


class Command(BaseCommand):
    help = "Seed the benchmark's large data set (idempotent; one precomputed password hash)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete every bench row (bench- courses, @bench.doctrina.invalid users) first.",
        )

    def handle(self, *args, reset: bool = False, **options):
        started = time.monotonic()
        self.sizes = SIZES
        if reset:
            self._reset()
        steps: list[tuple[str, Callable[[], int], int, Callable[[], None]]] = [
            ("courses and curricula", self._count_lessons, self.sizes.lessons, self._seed_courses),
            ("students", self._count_students, self.sizes.students, self._seed_students),
            ("enrollments", self._count_enrollments, self.sizes.enrollments, self._seed_enrollments),
            ("notifications", self._count_notifications, self.sizes.enrollments, self._seed_notifications),
            ("lesson progress", self._count_progress, self._expected_progress(), self._seed_progress),
            ("quizzes", self._count_quizzes, self.sizes.typical[0], self._seed_quizzes),
        ]
        seeded_any = False
        for label, count, expected, seed in steps:
            found = count()
            if found == expected:
                self.stdout.write(f"{label}: {found:,} already seeded")
                continue
            if found:
                raise CommandError(
                    f"{label}: found {found:,} bench rows, expected {expected:,} (the sizes changed?). "
                    "Run `manage.py seed_bench --reset` to delete the bench data and seed it again."
                )
            step_started = time.monotonic()
            self.stdout.write(f"{label}: seeding {expected:,}…")
            with transaction.atomic():
                seed()
                if count() != expected:  # rolls the part back
                    raise CommandError(f"{label}: seeded {count():,}, expected {expected:,}.")
            self.stdout.write(f"{label}: done in {time.monotonic() - step_started:.1f} s")
            seeded_any = True

        if seeded_any and connection.vendor == "postgresql":
            # Fresh statistics for the planner, and a visibility map so that counts
            # can use index-only scans, as on a database that has been running.
            self.stdout.write("VACUUM ANALYZE…")
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(f"Bench data ready ({time.monotonic() - started:.1f} s).")
            if seeded_any
            else self.style.SUCCESS("Bench data already present: nothing changed.")
        )

    # --- Helpers ----------------------------------------------------------------------

    def _bulk(self, model: type[models.Model], rows: Iterable[models.Model], total: int, label: str) -> None:
        """bulk_create in batches, with a progress line per batch."""
        batch: list[models.Model] = []
        written = 0
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH_SIZE:
                model.objects.bulk_create(batch)
                written += len(batch)
                batch = []
                self.stdout.write(f"  {label}: {written:,} / {total:,}")
        if batch:
            model.objects.bulk_create(batch)
            written += len(batch)
            self.stdout.write(f"  {label}: {written:,} / {total:,}")

    def _bench_users(self) -> models.QuerySet:
        return User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}")

    def _student_ids(self) -> dict[int, int]:
        """Student index -> user id."""
        prefix_length = len("student")
        ids = {}
        for pk, email in self._bench_users().filter(email__startswith="student").values_list("pk", "email"):
            ids[int(email.split("@")[0][prefix_length:])] = pk
        return ids

    def _course_ids(self) -> tuple[int, int, list[int]]:
        """(typical course id, big course id, small course ids in index order)."""
        courses = dict(Course.objects.filter(slug__startswith=SLUG_PREFIX).values_list("slug", "pk"))
        others = [courses[f"{SLUG_PREFIX}course-{index:03d}"] for index in range(self.sizes.other_courses)]
        return courses[TYPICAL_SLUG], courses[BIG_SLUG], others

    def _typical_lessons_in_order(self) -> list[int]:
        return list(
            Lesson.objects.filter(module__course__slug=TYPICAL_SLUG)
            .order_by("module__order", "module__pk", "order", "pk")
            .values_list("pk", flat=True)
        )

    # --- Courses ----------------------------------------------------------------------

    def _count_lessons(self) -> int:
        return Lesson.objects.filter(module__course__slug__startswith=SLUG_PREFIX).count()

    def _seed_courses(self) -> None:
        password = make_password(STUDENT_PASSWORD)
        instructors = [
            User(
                email=instructor_email(index),
                password=password,
                first_name=FIRST_NAMES[index % len(FIRST_NAMES)],
                last_name=LAST_NAMES[index % len(LAST_NAMES)],
                is_instructor=True,
                title="Senior engineer",
                bio="Has built and run web applications for a decade, and teaches what went wrong.",
            )
            for index in range(self.sizes.instructors)
        ]
        User.objects.bulk_create(instructors)

        # (slug, title, price, (modules, lessons per module))
        specs = [
            (BIG_SLUG, "The Complete Web Developer Bootcamp", Decimal("0"), self.sizes.big),
            (TYPICAL_SLUG, "Django from First Model to Production", Decimal("0"), self.sizes.typical),
            (PAID_SLUG, "PostgreSQL Performance in Practice", Decimal("49.00"), self.sizes.other),
        ]
        for index in range(self.sizes.other_courses):
            price = Decimal("0") if index % 3 == 0 else Decimal(19 + (index % 5) * 10)
            specs.append(
                (f"{SLUG_PREFIX}course-{index:03d}", f"Practical topic {index:03d}", price, self.sizes.other)
            )
        courses = [
            Course(
                slug=slug,
                title=title,
                subtitle="Hands-on lessons, one project, and a quiz at the end of every module",
                description=COURSE_DESCRIPTION,
                price=price,
                currency="usd",
                instructor=instructors[index % len(instructors)],
                status=Course.Status.PUBLISHED,
            )
            for index, (slug, title, price, _) in enumerate(specs)
        ]
        Course.objects.bulk_create(courses, batch_size=BATCH_SIZE)
        self.stdout.write(f"  courses: {len(courses):,}")

        modules = [
            Module(
                course=course,
                title=f"Module {order + 1}",
                description="What this module covers.",
                order=order,
            )
            for course, (_, _, _, (module_count, _)) in zip(courses, specs, strict=True)
            for order in range(module_count)
        ]
        Module.objects.bulk_create(modules, batch_size=BATCH_SIZE)
        self.stdout.write(f"  modules: {len(modules):,}")

        lessons_per_module = {course.pk: spec[3][1] for course, spec in zip(courses, specs, strict=True)}
        typical_pk = courses[1].pk

        def lessons():
            for module in modules:
                count = lessons_per_module[module.course_id]
                for order in range(count):
                    if module.course_id == typical_pk and order == count - 1:
                        kind = Lesson.Kind.QUIZ
                    elif order % 3 == 1:
                        kind = Lesson.Kind.TEXT
                    else:
                        kind = Lesson.Kind.VIDEO
                    yield Lesson(
                        module=module,
                        title=f"{module.title}, lesson {order + 1}",
                        description="A short introduction to the lesson.",
                        kind=kind,
                        duration=300 + (order * 97) % 900,
                        video_id="dQw4w9WgXcQ" if kind == Lesson.Kind.VIDEO else "",
                        content=LESSON_TEXT if kind != Lesson.Kind.VIDEO else "",
                        is_preview=module.order == 0 and order == 0,
                        order=order,
                    )

        self._bulk(Lesson, lessons(), self.sizes.lessons, "lessons")

    # --- Students ---------------------------------------------------------------------

    def _count_students(self) -> int:
        return self._bench_users().filter(email__startswith="student").count()

    def _seed_students(self) -> None:
        # One hash for everyone: hashing 10,000 passwords would take an hour of PBKDF2.
        password = make_password(STUDENT_PASSWORD)
        self._bulk(
            User,
            (
                User(
                    email=student_email(index),
                    password=password,
                    first_name=FIRST_NAMES[index % len(FIRST_NAMES)],
                    last_name=LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)],
                )
                for index in range(self.sizes.students)
            ),
            self.sizes.students,
            "students",
        )

    # --- Enrollments and notifications --------------------------------------------------

    def _enrollment_plan(self) -> Iterable[tuple[int, int, int]]:
        """(student index, course id, progress percent) for every seeded enrollment."""
        typical, big, others = self._course_ids()
        typical_lessons = self.sizes.typical[0] * self.sizes.typical[1]
        big_end = self.sizes.big_first_student + self.sizes.big_students
        for student in range(self.sizes.students):
            if student < self.sizes.typical_students:
                yield student, typical, typical_lessons_completed(student) * 100 // typical_lessons
            if self.sizes.big_first_student <= student < big_end:
                yield student, big, 0
            for index in other_courses_of(student, sizes=self.sizes):
                yield student, others[index], 0

    def _count_enrollments(self) -> int:
        return (
            Enrollment.objects.filter(user__email__endswith=f"@{BENCH_DOMAIN}")
            .exclude(course__slug=PAID_SLUG)
            .count()
        )

    def _seed_enrollments(self) -> None:
        users = self._student_ids()
        self._bulk(
            Enrollment,
            (
                Enrollment(user_id=users[student], course_id=course, progress_percent=percent)
                for student, course, percent in self._enrollment_plan()
            ),
            self.sizes.enrollments,
            "enrollments",
        )

    def _count_notifications(self) -> int:
        return (
            Notification.objects.filter(
                user__email__endswith=f"@{BENCH_DOMAIN}", kind=Notification.Kind.ENROLLED
            )
            .exclude(course__slug=PAID_SLUG)
            .count()
        )

    def _seed_notifications(self) -> None:
        users = self._student_ids()
        self._bulk(
            Notification,
            (
                Notification(
                    user_id=users[student],
                    kind=Notification.Kind.ENROLLED,
                    title="Course enrolled!",
                    course_id=course,
                    # Most have been read; a few students have unread ones.
                    read=student % 10 != 0,
                )
                for student, course, _ in self._enrollment_plan()
            ),
            self.sizes.enrollments,
            "notifications",
        )

    # --- Lesson progress ------------------------------------------------------

    def _expected_progress(self) -> int:
        return sum(typical_lessons_completed(student) for student in range(self.sizes.typical_students))

    def _count_progress(self) -> int:
        return LessonProgress.objects.filter(user__email__endswith=f"@{BENCH_DOMAIN}").count()

    def _seed_progress(self) -> None:
        users = self._student_ids()
        lessons = self._typical_lessons_in_order()
        now = timezone.now()
        self._bulk(
            LessonProgress,
            (
                LessonProgress(user_id=users[student], lesson_id=lesson, completed_at=now)
                for student in range(self.sizes.typical_students)
                for lesson in lessons[: typical_lessons_completed(student)]
            ),
            self._expected_progress(),
            "lesson progress",
        )

    # --- Quizzes --------------------------------------------------------------

    def _count_quizzes(self) -> int:
        return Quiz.objects.filter(lesson__module__course__slug=TYPICAL_SLUG).count()

    def _seed_quizzes(self) -> None:
        quizzes = Quiz.objects.bulk_create(
            Quiz(lesson=lesson, pass_mark=70, max_attempts=3)
            for lesson in Lesson.objects.filter(module__course__slug=TYPICAL_SLUG, kind=Lesson.Kind.QUIZ)
        )
        kinds = [Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.TRUE_FALSE]
        questions = Question.objects.bulk_create(
            Question(
                quiz=quiz,
                kind=kinds[order % len(kinds)],
                prompt=f"Question {order + 1}: which of these statements about `QuerySet` is true?",
                explanation="A QuerySet is lazy: it runs its query when it is first iterated.",
                order=order,
            )
            for quiz in quizzes
            for order in range(self.sizes.questions_per_quiz)
        )
        choices = []
        for question in questions:
            if question.kind == Question.Kind.TRUE_FALSE:
                texts = [("True", True), ("False", False)]
            elif question.kind == Question.Kind.MULTIPLE:
                texts = [("It is lazy", True), ("It is cached once evaluated", True), ("It is a list", False)]
            else:
                texts = [("It is lazy", True), ("It runs at once", False), ("It is a tuple", False)]
            choices += [
                Choice(question=question, text=text, is_correct=correct, order=order)
                for order, (text, correct) in enumerate(texts)
            ]
        Choice.objects.bulk_create(choices, batch_size=BATCH_SIZE)
        self.stdout.write(f"  quizzes: {len(quizzes)}, questions: {len(questions)}, choices: {len(choices)}")

    # --- Reset ------------------------------------------------------------------------

    @transaction.atomic
    def _reset(self) -> None:
        self.stdout.write("Deleting the bench data…")
        courses = Course.objects.filter(slug__startswith=SLUG_PREFIX)
        users = self._bench_users()
        # Purchases protect their user and course; the webhook events that point
        # at them are kept (the foreign key is set to NULL).
        Purchase.objects.filter(models.Q(course__in=courses) | models.Q(user__in=users)).delete()
        courses.delete()
        users.delete()
