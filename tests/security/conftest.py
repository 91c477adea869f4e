"""One seeded course with every kind of object a URL can name (a quiz attempt
in progress and one submitted, an assignment submission with its file, a
question and its reply, a review, an announcement, a certificate, a
notification), its instructor, an enrolled student, a revoked student who did
everything the enrolled one did, a stranger and a superuser. The sweeps fill
the URL conf's path converters from it."""

import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from community.announcements.services import announcement_publish
from community.discussions.models import Question, Reply
from community.services import review_save
from courses.models import Course, Lesson
from enrollments.models import Enrollment
from enrollments.services import enrollment_revoke
from learning.models import Certificate, QuizAttempt, Submission
from learning.services.quizzes import quiz_attempt_start, quiz_attempt_submit
from lms.models import User
from notifications.emails import unsubscribe_token
from tests.factories import (
    EnrollmentFactory,
    InstructorFactory,
    LessonFactory,
    ModuleFactory,
    NotificationFactory,
    SuperuserFactory,
    UserFactory,
)
from tests.learning.factories import QuizFactory, question_with_choices


@dataclass
class Learner:
    user: User
    enrollment: Enrollment
    attempt_open: QuizAttempt  # in progress
    attempt_done: QuizAttempt  # submitted
    submission: Submission
    question: Question
    reply: Reply
    certificate: Certificate


@dataclass
class World:
    course: Course
    instructor: User
    superuser: User
    stranger: User
    student: Learner
    revoked: Learner
    preview: Lesson
    text: Lesson
    video: Lesson
    quiz: Lesson
    assignment: Lesson


def _learner(course: Course, quiz: Lesson, assignment: Lesson, text: Lesson, **user_fields) -> Learner:
    user = UserFactory(**user_fields)
    enrollment = EnrollmentFactory(user=user, course=course)
    done = quiz_attempt_submit(attempt=quiz_attempt_start(user=user, quiz=quiz.quiz), data={})
    attempt_open = quiz_attempt_start(user=user, quiz=quiz.quiz)
    submission = Submission.objects.create(
        lesson=assignment,
        user=user,
        text="My essay about ownership",
        file=SimpleUploadedFile("essay.pdf", b"%PDF-1.4 my essay"),
        file_name="essay.pdf",
        file_content_type="application/pdf",
        submitted_at=timezone.now(),
    )
    question = Question.objects.create(
        lesson=text, author=user, title=f"{user.first_name}'s question", body="Why?", token=uuid.uuid4()
    )
    reply = Reply.objects.create(question=question, author=user, body="Found it.", token=uuid.uuid4())
    review_save(user=user, course=course, rating=4, body=f"Review by {user.first_name}")
    certificate = Certificate.objects.create(
        enrollment=enrollment,
        student_name=user.get_full_name(),
        course_title=course.title,
        instructor_name=course.instructor.get_full_name(),
        completed_at=timezone.now(),
    )
    NotificationFactory(user=user)
    return Learner(user, enrollment, attempt_open, done, submission, question, reply, certificate)


@pytest.fixture
def world(db, settings) -> World:
    settings.REVIEW_MIN_PROGRESS = 0
    instructor = InstructorFactory(first_name="Ada", last_name="Lovelace")
    course = Course.objects.create(
        title="Rust in Practice",
        slug="rust-in-practice",
        subtitle="Ownership, properly",
        description="A *thorough* course.",
        price=Decimal("49.00"),
        currency="usd",
        instructor=instructor,
        status=Course.Status.PUBLISHED,
    )
    module = ModuleFactory(course=course, order=0)
    preview = LessonFactory(module=module, order=0, is_preview=True, title="Welcome", content="Preview text")
    text = LessonFactory(module=module, order=1, title="Ownership", content="SECRET-TEXT-CONTENT")
    video = LessonFactory(
        module=module,
        order=2,
        kind=Lesson.Kind.VIDEO,
        video_url="https://youtu.be/rfscVS0vtbw",
        title="Watch",
    )
    quiz = QuizFactory(lesson__module=module, lesson__order=3, lesson__title="Check yourself").lesson
    question_with_choices(
        quiz.quiz, correct=(0,), prompt="SECRET-QUIZ-PROMPT?", explanation="SECRET-EXPLANATION"
    )
    assignment = LessonFactory(
        module=module, order=4, kind=Lesson.Kind.ASSIGNMENT, title="Write", content="SECRET-ASSIGNMENT"
    )
    student = _learner(course, quiz, assignment, text, first_name="Grace", last_name="Hopper")
    revoked = _learner(course, quiz, assignment, text, first_name="Ola", last_name="Berg")
    enrollment_revoke(enrollment=revoked.enrollment)
    announcement_publish(course=course, author=instructor, title="Welcome all", body="Hello **class**.")
    return World(
        course=course,
        instructor=instructor,
        superuser=SuperuserFactory(),
        stranger=UserFactory(first_name="Sam", last_name="Stranger"),
        student=student,
        revoked=revoked,
        preview=preview,
        text=text,
        video=video,
        quiz=quiz,
        assignment=assignment,
    )


def valid_kwargs(world: World, learner: Learner | None = None) -> dict[str, str]:
    """A real value for every path converter name the URL conf uses."""
    learner = learner or world.student
    return {
        "slug": world.course.slug,
        "lesson_id": str(world.quiz.pk),
        "attempt_id": str(learner.attempt_open.pk),
        "submission_id": str(learner.submission.pk),
        "question_id": str(learner.question.pk),
        "reply_id": str(learner.reply.pk),
        "review_id": str(learner.user.reviews.get().pk),
        "code": learner.certificate.code,
        "token": unsubscribe_token(user_id=learner.user.pk, category="announcements"),
        "name": "enrollments",
    }
