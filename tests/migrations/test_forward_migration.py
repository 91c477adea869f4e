"""Notification moved to `notifications`, LessonProgress, QuizAttempt and
Submission to `learning` (their 0001 and 0002 migrations): migrating a populated
database of the previous schema forward keeps every row, the content types keep
their ids (admin log entries and permissions follow), and the current models own
the renamed tables (their index names, a fresh id for a new row).

Each test migrates the test database back to the previous schema, fills every
table with the historical models, then migrates forward; the fixture brings the
database back to the leaves whatever happens, before pytest-django flushes it."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max
from django.utils import timezone

from learning.models import LessonProgress, QuizAttempt, Submission
from lms.models import User
from notifications.models import Notification

# The schema before the move, and the apps it changed.
OLD_NODES = [
    ("lms", "0001_initial"),
    ("courses", "0004_curriculum_updated_at"),
    ("enrollments", "0003_learning"),
    ("payments", "0002_purchase_fulfilment_refunds_webhook_events"),
]
# Apps that came with or after the move: at the previous schema they have no tables.
NEW_APPS = ["learning", "notifications", "community"]
# Installed since, with migrations that cannot be unapplied: their (empty) tables stay.
STAYING_EMPTY = ("django_tasks_database_",)
MOVED_MODELS = {
    "notification": "notifications",
    "lessonprogress": "learning",
    "quizattempt": "learning",
    "submission": "learning",
}
RENAMED_TABLES = {
    "enrollments_notification": "notifications_notification",
    "enrollments_lessonprogress": "learning_lessonprogress",
    "enrollments_quizattempt": "learning_quizattempt",
    "enrollments_submission": "learning_submission",
}
SUBMISSION_TEXT = "My essay, with a diagram attached."
SUBMISSION_FILE = "submissions/0f1e2d3c4b5a69788796a5b4c3d2e1f0/submission.pdf"
ANSWERS = [{"question": 1, "choices": [2], "correct": True, "points": 2, "out_of": 2}]


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def _old_nodes(executor: MigrationExecutor) -> list[tuple[str, str]]:
    """The previous schema's nodes, with every other app (contrib, allauth) at its leaf."""
    changed = {app for app, _ in OLD_NODES} | set(NEW_APPS)
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in changed]
    return [*OLD_NODES, *others]


def _migrate_to_leaves(executor: MigrationExecutor) -> None:
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    executor.loader.build_graph()
    ContentType.objects.clear_cache()


def _seed(apps) -> dict[str, int]:
    """One or more rows in every table of the previous schema, written with its
    historical models. Returns the ids the tests look up afterwards."""

    def model(label: str):
        return apps.get_model(*label.split("."))

    content_type, permission = model("contenttypes.ContentType"), model("auth.Permission")
    old_content_types = {}
    for name in ["enrollment", *MOVED_MODELS]:
        old_content_types[name], _ = content_type.objects.get_or_create(app_label="enrollments", model=name)
        for action in ["add", "change", "delete", "view"]:
            permission.objects.get_or_create(
                content_type=old_content_types[name],
                codename=f"{action}_{name}",
                defaults={"name": f"Can {action} {name}"},
            )

    def perm(app_label: str, codename: str):
        return permission.objects.get(content_type__app_label=app_label, codename=codename)

    user = model("lms.User")
    student = user.objects.create(email="student@example.com", password="!", first_name="Sam")
    buyer = user.objects.create(email="buyer@example.com", password="!")
    instructor = user.objects.create(
        email="instructor@example.com", password="!", is_staff=True, is_instructor=True, title="Teacher"
    )
    reviewers = model("auth.Group").objects.create(name="Reviewers")
    reviewers.permissions.add(
        perm("enrollments", "change_submission"),
        perm("enrollments", "view_submission"),
        perm("courses", "view_course"),
    )
    instructor.groups.add(reviewers)
    instructor.user_permissions.add(perm("enrollments", "view_notification"))
    email = model("account.EmailAddress").objects.create(
        user=student, email=student.email, verified=True, primary=True
    )
    model("account.EmailConfirmation").objects.create(email_address=email, key="k" * 64, sent=at(1))
    model("sessions.Session").objects.create(session_key="s" * 32, session_data="e30=", expire_date=at(30))

    course = model("courses.Course")
    python = course.objects.create(
        title="Python", slug="python", price=Decimal("49.00"), currency="usd", status="published",
        instructor=instructor, description="**Learn** Python.",
    )  # fmt: skip
    kanji = course.objects.create(
        title="Kanji", slug="kanji", price=Decimal("3000"), currency="jpy", status="published",
        instructor=instructor,
    )  # fmt: skip
    course.objects.create(title="Draft", slug="draft", status="draft", instructor=instructor)
    module = model("courses.Module").objects.create(course=python, title="Basics", order=1)
    model("courses.Module").objects.create(course=kanji, title="Radicals", order=1)
    lesson = model("courses.Lesson")
    lesson.objects.create(module=module, title="Intro", kind="video", video_id="dQw4w9WgXcQ", duration=300)
    reading = lesson.objects.create(module=module, title="Read", kind="text", content="# Hi", is_preview=True)
    quiz_lesson = lesson.objects.create(module=module, title="Check", kind="quiz", order=2)
    essay = lesson.objects.create(module=module, title="Essay", kind="assignment", order=3)
    quiz = model("courses.Quiz").objects.create(lesson=quiz_lesson, pass_mark=50, time_limit_minutes=10)
    question = model("courses.Question").objects.create(quiz=quiz, kind="single", prompt="2+2?", points=2)
    model("courses.Choice").objects.create(question=question, text="3", order=1)
    model("courses.Choice").objects.create(question=question, text="4", is_correct=True, order=2)

    purchase = model("payments.Purchase")
    paid = purchase.objects.create(
        user=student, course=python, amount=Decimal("49.00"), currency="usd", status="complete",
        stripe_session_id="cs_paid", payment_intent="pi_paid", completed_at=at(2),
    )  # fmt: skip
    refunded = purchase.objects.create(
        user=buyer, course=kanji, amount=Decimal("3000"), currency="jpy", status="refunded",
        amount_refunded=Decimal("3000"), stripe_session_id="cs_refunded", payment_intent="pi_refunded",
    )  # fmt: skip
    purchase.objects.create(
        user=buyer, course=python, amount=Decimal("49.00"), currency="usd", status="complete",
        stripe_session_id="cs_disputed", payment_intent="pi_disputed", dispute_status="open",
        stripe_dispute_id="dp_1", problem="Disputed by the bank.",
    )  # fmt: skip
    model("payments.Refund").objects.create(
        purchase=refunded, stripe_refund_id="re_1", amount=Decimal("3000"), status="succeeded"
    )
    model("payments.WebhookEvent").objects.create(
        stripe_event_id="evt_1", type="checkout.session.completed", purchase=paid, status="processed",
        payload={"id": "evt_1", "data": {"object": {"id": "cs_paid", "amount_total": 4900}}},
        attempts=1, processed_at=at(2),
    )  # fmt: skip

    enrollment = model("enrollments.Enrollment")
    enrollment.objects.create(
        user=student, course=python, purchase=paid, progress_percent=100, completed_at=at(5)
    )
    enrollment.objects.create(user=buyer, course=kanji, purchase=refunded, status="revoked")
    enrollment.objects.create(user=instructor, course=python)
    notification = model("enrollments.Notification")
    notification.objects.create(user=student, kind="enrolled", title="Enrolled", course=python, read=True)
    completed = notification.objects.create(
        user=student, kind="completed", title="Course completed", message="Well done.", course=python
    )
    progress = model("enrollments.LessonProgress")
    progress.objects.create(user=student, lesson=reading, completed_at=at(3))
    progress.objects.create(user=student, lesson=essay)
    attempt = model("enrollments.QuizAttempt")
    attempt.objects.create(
        user=student, quiz=quiz, attempt_number=1, started_at=at(3), submitted_at=at(3, 10),
        score=100, passed=True, question_order=[question.pk], answers=ANSWERS,
    )  # fmt: skip
    attempt.objects.create(
        user=student, quiz=quiz, attempt_number=2, started_at=at(4), question_order=[question.pk]
    )
    submission = model("enrollments.Submission").objects.create(
        user=student, lesson=essay, text=SUBMISSION_TEXT, file=SUBMISSION_FILE, file_name="essay.pdf",
        file_content_type="application/pdf", file_size=2048, status="passed", feedback="Good.",
        submitted_at=at(4), reviewed_at=at(5), reviewed_by=instructor,
    )  # fmt: skip

    log_entry = model("admin.LogEntry")
    submission_log = log_entry.objects.create(
        user=instructor, content_type=old_content_types["submission"], object_id=str(submission.pk),
        object_repr=str(submission.pk), action_flag=2, change_message='[{"changed": {"fields": ["Status"]}}]',
    )  # fmt: skip
    notification_log = log_entry.objects.create(
        user=instructor, content_type=old_content_types["notification"], object_id=str(completed.pk),
        object_repr="Course completed", action_flag=1, change_message="[]",
    )  # fmt: skip
    return {
        "student": student.pk,
        "instructor": instructor.pk,
        "reviewers": reviewers.pk,
        "essay": essay.pk,
        "quiz": quiz.pk,
        "submission": submission.pk,
        "notification": completed.pk,
        "submission_log": submission_log.pk,
        "notification_log": notification_log.pk,
        **{f"content_type_{name}": ct.pk for name, ct in old_content_types.items()},
    }


def _snapshot() -> dict[str, list[dict]]:
    """Every row of every table (but django_migrations), by table, in primary key order."""
    quote = connection.ops.quote_name
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table == "django_migrations":
                continue
            pk = connection.introspection.get_primary_key_column(cursor, table)
            # Names from the database's own catalogue, quoted: nothing user-supplied.
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(pk)}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            tables[table] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return tables


@pytest.fixture
def old_database(transactional_db):
    """The test database at the previous schema, every table filled; migrated back
    to the leaves afterwards, even when the test or the seeding fails."""
    executor = MigrationExecutor(connection)
    try:
        old_nodes = _old_nodes(executor)
        executor.migrate([*old_nodes, *((app, None) for app in NEW_APPS)])
        executor.loader.build_graph()
        seeded = _seed(executor.loader.project_state(old_nodes).apps)
        yield executor, seeded
    finally:
        _migrate_to_leaves(executor)


@pytest.mark.django_db(transaction=True)
def test_every_row_of_every_table_is_kept(old_database):
    executor, _ = old_database
    before = _snapshot()
    assert set(RENAMED_TABLES) <= set(before)
    assert [table for table, rows in before.items() if not rows and not table.startswith(STAYING_EMPTY)] == []

    _migrate_to_leaves(executor)
    after = _snapshot()

    # The old rows, under the new table names, with the one change the migration
    # means to make: the moved models' content types now belong to their new apps.
    expected = {RENAMED_TABLES.get(table, table): rows for table, rows in before.items()}
    expected["django_content_type"] = [
        {**row, "app_label": MOVED_MODELS[row["model"]]}
        if row["app_label"] == "enrollments" and row["model"] in MOVED_MODELS
        else row
        for row in before["django_content_type"]
    ]
    # Tables of models added since are not compared (they start empty, or filled from the old rows).
    assert {table: len(after[table]) for table in expected} == {
        table: len(rows) for table, rows in expected.items()
    }
    for table, rows in expected.items():
        # Columns added since (a notification's link) are not compared either.
        kept = [{column: row[column] for column in old} for row, old in zip(after[table], rows, strict=True)]
        assert kept == rows, table
    # Students who had completed a course before certificates existed get theirs.
    completed = [e for e in before["enrollments_enrollment"] if e["completed_at"] is not None]
    assert sorted(c["enrollment_id"] for c in after["learning_certificate"]) == sorted(
        e["id"] for e in completed
    )
    # Every enrollment's last activity is the latest thing its student did in the course.
    lessons = {row["id"]: row["module_id"] for row in before["courses_lesson"]}
    courses = {row["id"]: row["course_id"] for row in before["courses_module"]}
    for enrollment in after["enrollments_enrollment"]:
        done = [
            p["updated_at"]
            for p in before["enrollments_lessonprogress"]
            if p["user_id"] == enrollment["user_id"]
            and courses[lessons[p["lesson_id"]]] == enrollment["course_id"]
        ]
        sent = [
            s["submitted_at"]
            for s in before["enrollments_submission"]
            if s["user_id"] == enrollment["user_id"]
            and courses[lessons[s["lesson_id"]]] == enrollment["course_id"]
        ]
        if done or sent:
            assert enrollment["last_activity_at"] >= max(done + sent)


@pytest.mark.django_db(transaction=True)
def test_content_types_keep_their_ids_so_permissions_and_log_entries_follow(old_database):
    executor, seeded = old_database
    _migrate_to_leaves(executor)

    for name, app_label in MOVED_MODELS.items():
        assert ContentType.objects.get(app_label=app_label, model=name).pk == seeded[f"content_type_{name}"]
    assert ContentType.objects.get_for_model(Submission).pk == seeded["content_type_submission"]
    assert list(ContentType.objects.filter(app_label="enrollments").values_list("model", flat=True)) == [
        "enrollment"
    ]

    change_submission = Permission.objects.get(
        content_type__app_label="learning", codename="change_submission"
    )
    assert change_submission.content_type_id == seeded["content_type_submission"]
    assert not Permission.objects.filter(
        content_type__app_label="enrollments", codename__endswith="submission"
    )
    reviewers = User.objects.get(pk=seeded["instructor"]).groups.get(pk=seeded["reviewers"])
    assert sorted(reviewers.permissions.values_list("content_type__app_label", "codename")) == [
        ("courses", "view_course"),
        ("learning", "change_submission"),
        ("learning", "view_submission"),
    ]
    instructor = User.objects.get(pk=seeded["instructor"])
    assert instructor.has_perms(
        ["learning.change_submission", "learning.view_submission", "notifications.view_notification"]
    )
    assert not instructor.has_perm("enrollments.change_submission")

    submission_log = LogEntry.objects.get(pk=seeded["submission_log"])
    assert submission_log.content_type_id == seeded["content_type_submission"]
    assert submission_log.get_edited_object() == Submission.objects.get(pk=seeded["submission"])
    assert submission_log.get_admin_url() == f"/admin/learning/submission/{seeded['submission']}/change/"
    notification_log = LogEntry.objects.get(pk=seeded["notification_log"])
    assert notification_log.get_edited_object() == Notification.objects.get(pk=seeded["notification"])


@pytest.mark.django_db(transaction=True)
def test_the_current_models_own_the_renamed_tables(old_database):
    executor, seeded = old_database
    _migrate_to_leaves(executor)

    submission = Submission.objects.get(pk=seeded["submission"])
    assert (submission.text, submission.file.name, submission.reviewed_by_id) == (
        SUBMISSION_TEXT,
        SUBMISSION_FILE,
        seeded["instructor"],
    )
    assert QuizAttempt.objects.get(quiz_id=seeded["quiz"], attempt_number=1).answers == ANSWERS
    assert Notification.objects.get(pk=seeded["notification"]).kind == Notification.Kind.COMPLETED
    assert LessonProgress.objects.filter(user_id=seeded["student"]).count() == 2

    # The indexes and constraints the models declare exist under their names, so
    # a later AlterField, RemoveIndex or RemoveConstraint finds them.
    with connection.cursor() as cursor:
        for model in [Notification, LessonProgress, QuizAttempt, Submission]:
            existing = connection.introspection.get_constraints(cursor, model._meta.db_table)
            declared = {index.name for index in model._meta.indexes}
            declared |= {constraint.name for constraint in model._meta.constraints}
            assert declared - set(existing) == set(), model._meta.db_table

    # A new row gets an id after the old ones: the renamed table's identity
    # (PostgreSQL) or AUTOINCREMENT counter (SQLite) came along with it.
    now = timezone.now()
    student, instructor = seeded["student"], seeded["instructor"]
    essay, quiz = seeded["essay"], seeded["quiz"]
    new_rows = {
        Submission: {"user_id": student, "lesson_id": essay, "status": "needs_work", "submitted_at": now},
        Notification: {"user_id": student, "title": "Hello"},
        LessonProgress: {"user_id": instructor, "lesson_id": essay},
        QuizAttempt: {"user_id": instructor, "quiz_id": quiz, "attempt_number": 1, "started_at": now},
    }
    for model, fields in new_rows.items():
        newest_old = model.objects.aggregate(newest=Max("pk"))["newest"]
        assert model.objects.create(**fields).pk > newest_old, model._meta.db_table
