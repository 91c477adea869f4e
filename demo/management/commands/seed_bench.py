"""`python manage.py seed_bench`: the large data set that `make bench` measures.

200 published courses (one of 50 modules x 20 lessons, a typical one of 20 x 10,
one paid course left without students for the webhook benchmark, the rest small),
10,000 students, 100,000 enrollments, a "Course enrolled!" notification for each,
lesson progress through the typical course, its quizzes, 10,000 reviews (from a
tenth of the enrollments) with every course's rating figures, and what the big
course's teaching pages analyse (demo/bench_seed_big.py: more than a million
lesson progress rows, quizzes and attempts, certificates, sales and refunds) with
a superuser who sees every course.

Rows are written with bulk_create in batches, one transaction per part (all there
or absent). A second run counts each part and skips what is seeded with the same
sizes; a part found with other sizes stops the command (`--reset` deletes the bench
rows first). Bench rows: course slugs start `bench-`, e-mails end with BENCH_DOMAIN.

Not for a database with real data: 10,000 accounts share one password hash.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from itertools import islice

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from community.models import Review
from community.services import course_rating_refresh
from courses.models import Course, Lesson, Module, Quiz
from demo.bench_copy import rows_insert
from demo.bench_data import (
    BENCH_DOMAIN,
    COURSE_DESCRIPTION,
    CURRICULUM_SLUG,
    FIRST_NAMES,
    LAST_NAMES,
    LESSON_TEXT,
    PAID_SLUG,
    SIZES,
    SLUG_PREFIX,
    STUDENT_PASSWORD,
    TYPICAL_SLUG,
    course_specs,
    enrollments_planned,
    instructor_email,
    reviews_planned,
    student_email,
    typical_lessons_completed,
)

# Re-exported: bench/ imports this module (`seed_bench as seed`) for the data set's shape.
from demo.bench_data import BIG_SLUG as BIG_SLUG
from demo.bench_data import PROGRESS_STUDENT_COMPLETED as PROGRESS_STUDENT_COMPLETED
from demo.bench_data import STUDENT_ENROLLED as STUDENT_ENROLLED
from demo.bench_data import STUDENT_PROGRESS as STUDENT_PROGRESS
from demo.bench_data import SUPERUSER_EMAIL as SUPERUSER_EMAIL
from demo.bench_data import Sizes as Sizes
from demo.bench_reset import bench_data_delete, bench_users
from demo.bench_seed_big import BigCourseSeeder, quizzes_create
from enrollments.models import Enrollment
from learning.models import LessonProgress
from lms.models import User
from notifications.models import Notification

BATCH_SIZE = 5_000


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
            self.stdout.write("Deleting the bench data…")
            bench_data_delete()
        steps: list[tuple[str, Callable[[], int], int, Callable[[], None]]] = [
            ("courses and curricula", self._count_lessons, self.sizes.lessons, self._seed_courses),
            ("students", self._count_students, self.sizes.students, self._seed_students),
            ("enrollments", self._count_enrollments, self.sizes.enrollments, self._seed_enrollments),
            ("notifications", self._count_notifications, self.sizes.enrollments, self._seed_notifications),
            ("lesson progress", self._count_progress, self._expected_progress(), self._seed_progress),
            ("quizzes", self._count_quizzes, self.sizes.typical[0], self._seed_quizzes),
            ("reviews", self._count_reviews, self.sizes.reviews, self._seed_reviews),
            *BigCourseSeeder(sizes=self.sizes, student_ids=self._student_ids, out=self.stdout.write).steps(),
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
        rows, written = iter(rows), 0
        while batch := list(islice(rows, BATCH_SIZE)):
            model.objects.bulk_create(batch)
            written += len(batch)
            self.stdout.write(f"  {label}: {written:,} / {total:,}")

    def _bench_users(self) -> models.QuerySet:
        return bench_users()

    def _student_ids(self) -> dict[int, int]:
        """Student index -> user id."""
        rows = self._bench_users().filter(email__startswith="student").values_list("pk", "email")
        return {int(email.split("@")[0].removeprefix("student")): pk for pk, email in rows}

    def _course_ids(self) -> dict[str, int]:
        return dict(
            Course.objects.filter(slug__startswith=SLUG_PREFIX)
            .exclude(slug=CURRICULUM_SLUG)
            .values_list("slug", "pk")
        )

    # --- Courses ----------------------------------------------------------------------

    def _count_lessons(self) -> int:
        return (
            Lesson.objects.filter(module__course__slug__startswith=SLUG_PREFIX)
            .exclude(module__course__slug=CURRICULUM_SLUG)
            .count()
        )

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

        specs = course_specs(self.sizes)
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
                    kind = (Lesson.Kind.VIDEO, Lesson.Kind.TEXT, Lesson.Kind.VIDEO)[order % 3]
                    if module.course_id == typical_pk and order == count - 1:
                        kind = Lesson.Kind.QUIZ
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
        """(student index, course id, progress percent) for every seeded enrollment.
        The courses are read now, not when iterating starts: a COPY may be
        using the connection by then."""
        courses = self._course_ids()
        return (
            (student, courses[slug], percent) for student, slug, percent in enrollments_planned(self.sizes)
        )

    def _count_enrollments(self) -> int:
        return (
            Enrollment.objects.filter(user__email__endswith=f"@{BENCH_DOMAIN}")
            .exclude(course__slug__in=[PAID_SLUG, CURRICULUM_SLUG])
            .count()
        )

    def _seed_enrollments(self) -> None:
        # COPY (demo/bench_copy.py): a million rows at BENCH_SCALE=10.
        users, now = self._student_ids(), timezone.now()
        rows_insert(
            Enrollment,
            ("user_id", "course_id", "enrolled_at", "progress_percent", "status", "progress_revision"),
            (
                (users[student], course, now, percent, Enrollment.Status.ACTIVE.value, 0)
                for student, course, percent in self._enrollment_plan()
            ),
            total=self.sizes.enrollments,
            label="enrollments",
            out=self.stdout.write,
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
        users, now = self._student_ids(), timezone.now()
        rows_insert(
            Notification,
            ("user_id", "kind", "title", "message", "course_id", "url", "read", "created_at"),
            (
                # Most have been read; a few students have unread ones.
                (
                    users[student],
                    Notification.Kind.ENROLLED.value,
                    "Course enrolled!",
                    "",
                    course,
                    "",
                    student % 10 != 0,
                    now,
                )
                for student, course, _ in self._enrollment_plan()
            ),
            total=self.sizes.enrollments,
            label="notifications",
            out=self.stdout.write,
        )

    # --- Lesson progress ------------------------------------------------------

    def _expected_progress(self) -> int:
        return sum(typical_lessons_completed(student) for student in range(self.sizes.typical_students))

    def _count_progress(self) -> int:
        return LessonProgress.objects.filter(lesson__module__course__slug=TYPICAL_SLUG).count()

    def _seed_progress(self) -> None:
        users = self._student_ids()
        lessons = list(
            Lesson.objects.filter(module__course__slug=TYPICAL_SLUG)
            .order_by("module__order", "module__pk", "order", "pk")
            .values_list("pk", flat=True)
        )
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
        lessons = Lesson.objects.filter(module__course__slug=TYPICAL_SLUG, kind=Lesson.Kind.QUIZ)
        quizzes_create(list(lessons), questions=self.sizes.questions_per_quiz, out=self.stdout.write)

    # --- Reviews ----------------------------------------------------------------------

    def _count_reviews(self) -> int:
        return Review.objects.filter(course__slug__startswith=SLUG_PREFIX).count()

    def _seed_reviews(self) -> None:
        # Rows, not `review_save` (seconds, not minutes), by active students whatever their progress:
        # the bench's (0-40 of the typical course's 200 lessons) leaves few at REVIEW_MIN_PROGRESS.
        users, courses, now = self._student_ids(), self._course_ids(), timezone.now()
        planned = reviews_planned(self.sizes)
        reviews = [
            Review(
                user_id=users[plan.student],
                course_id=courses[plan.course],
                rating=plan.rating,
                body=plan.body,
                reply=plan.reply,
                replied_at=now - plan.age + plan.reply_after if plan.reply else None,
                hidden_at=now - plan.age / 2 if plan.hidden_reason else None,
                hidden_reason=plan.hidden_reason,
            )
            for plan in planned
        ]
        self._bulk(Review, reviews, len(reviews), "reviews")
        # bulk_create stamps `created_at` (auto_now_add) now: one UPDATE a day dates them as planned.
        days: dict[timedelta, list[int]] = {}
        for review, plan in zip(reviews, planned, strict=True):
            days.setdefault(plan.age, []).append(review.pk)
        for age, pks in days.items():
            Review.objects.filter(pk__in=pks).update(created_at=now - age)
        for course_id in courses.values():
            course_rating_refresh(course_id=course_id)
        self.stdout.write(f"  dated over {len(days)} days; rating figures of {len(courses):,} courses")
