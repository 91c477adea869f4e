"""`python manage.py seed_demo`: a believable demo catalogue.

The catalogue is data, `demo/data/catalogue.toml` (read and checked by
`demo.catalogue`); this command writes it through the services the site uses:
the authoring services for courses, enrollment, and for the students' progress
the very calls their clicks make (a lesson marked complete, a quiz passed with
the right answers, an assignment sent and passed by the course's instructor),
so that certificates, notifications and rating figures come from the site's
own code.

Everything is keyed on a natural key (a user's e-mail, a course's slug, a
module's (course, title), a lesson's (module, title), a quiz's lesson, a
question's (quiz, prompt)) and only created when missing, so a second run
changes nothing, and an instructor's later edits to a seeded course survive a
re-run. A question is created with its choices or not at all: adding a choice
to a question an instructor has edited could make it unanswerable.

A student's progress is only ever added to: a course already completed (its
certificate issued) is left alone, lessons the student completed are skipped,
and a review that exists (perhaps edited since) is kept as it is.

Then the lesson Q&A and the announcements (demo/seed_community.py): questions,
replies and accepted answers posted as their authors, announcements sent by
the courses' instructors, each found again by its natural key.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.http import QueryDict

from community.models import Review
from community.services import ReviewNotAllowed, review_answer, review_save
from courses.models import Category, Course, Lesson, Module, Quiz
from courses.quizzes import field_name
from courses.services import (
    category_save,
    course_categories_set,
    course_save,
    lesson_save,
    lessons_renumber,
    module_save,
    modules_renumber,
    question_create,
    quiz_save,
)
from demo.catalogue import (
    Catalogue,
    CatalogueError,
    SeedCategory,
    SeedCourse,
    SeedLesson,
    SeedQuiz,
    SeedReview,
    SeedUser,
    catalogue_load,
)
from demo.seed_community import announcements_seed, discussions_seed
from enrollments.models import Enrollment
from enrollments.services import EnrollmentNotAllowed, enrollment_create_free
from learning.models import Certificate, Submission
from learning.selectors.progress import completed_lesson_ids_get
from learning.services.assignments import ReviewNotAllowed as SubmissionReviewNotAllowed
from learning.services.assignments import SubmissionNotAllowed, submission_review, submission_submit
from learning.services.progress import SELF_MARKED_KINDS, ProgressNotAllowed, lesson_complete
from learning.services.quizzes import (
    QuizNotAvailable,
    attempt_questions,
    quiz_attempt_start,
    quiz_attempt_submit,
)
from lms.models import User
from lms.services import user_make_instructor


def _has_gaps(queryset) -> bool:
    """Whether the rows' order is not 0, 1, 2, …: renumbering then changes rows
    and announces a change of curriculum, which a re-run must not do for nothing."""
    return list(queryset.order_by("order", "pk").values_list("order", flat=True)) != list(
        range(queryset.count())
    )


class Command(BaseCommand):
    help = (
        "Create demo users, courses, modules, lessons, enrollments, a completed course, reviews,"
        " lesson Q&A and an announcement."
        " Safe to run again."
    )

    def handle(self, *args, **options):
        try:
            catalogue = catalogue_load()
        except CatalogueError as error:
            raise CommandError(str(error)) from error
        self.created = 0
        # All or nothing. What the services leave to run after the commit (the
        # e-mails the demo students are sent) runs as this block ends, so the
        # accounts below are the last thing printed.
        with transaction.atomic():
            self._seed(catalogue)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({self.created} objects created; {len(catalogue.courses)} courses)."
                if self.created
                else "Demo data already present: nothing changed."
            )
        )
        self.stdout.write("Log in with (e-mail / password):")
        for role, seed in catalogue.accounts():
            self.stdout.write(f"  {role:<10} {seed.email:<26} {seed.password}")

    def _seed(self, catalogue: Catalogue) -> None:
        self._user(catalogue.admin, superuser=True)
        instructors = {}
        for seed in catalogue.instructors:
            user = self._user(seed)
            if not user.is_instructor:
                user_make_instructor(user=user)
                self._say(f"  made {user.email} an instructor")
            instructors[seed.email] = user
        students = {seed.email: self._user(seed) for seed in catalogue.students}

        categories = {
            seed.slug: self._category(seed, order=order) for order, seed in enumerate(catalogue.categories)
        }
        courses, course_seeds = {}, {seed.slug: seed for seed in catalogue.courses}
        for seed in catalogue.courses:
            courses[seed.slug] = self._course(seed, instructor=instructors[seed.instructor])
            # A course filed under no category yet (new, or seeded before there were
            # categories) gets the file's; one an instructor has filed keeps theirs.
            if seed.categories and not courses[seed.slug].categories.exists():
                course_categories_set(
                    course=courses[seed.slug], categories=[categories[slug] for slug in seed.categories]
                )

        for email, slug in catalogue.enrollments:
            try:
                result = enrollment_create_free(user=students[email], course=courses[slug])
            except EnrollmentNotAllowed:
                raise CommandError(
                    f"{email} cannot enroll in {slug}: free, published courses only."
                ) from None
            if result.created:
                self.created += 1
                self._say(f"  enrolled {email} in {slug}")

        for email, slug in catalogue.completions:
            self._course_complete(students[email], courses[slug], seed=course_seeds[slug])
        for review_seed in catalogue.reviews:
            slug = review_seed.course
            self._review(
                review_seed,
                student=students[review_seed.student],
                course=courses[slug],
                seed_course=course_seeds[slug],
            )
        users = {**instructors, **students}
        self.created += discussions_seed(catalogue.discussions, users=users, courses=courses, say=self._say)
        self.created += announcements_seed(
            catalogue.announcements, users=users, courses=courses, say=self._say
        )

    def _say(self, message: str) -> None:
        self.stdout.write(message)

    def _user(self, seed: SeedUser, *, superuser: bool = False) -> User:
        user = User.objects.filter(email__iexact=seed.email).first()
        if user is not None:
            return user
        create = User.objects.create_superuser if superuser else User.objects.create_user
        user = create(
            email=seed.email,
            password=seed.password,
            first_name=seed.first_name,
            last_name=seed.last_name,
            title=seed.title,
            bio=seed.bio,
        )
        self.created += 1
        self._say(f"Created user {user.email}")
        return user

    def _category(self, seed: SeedCategory, *, order: int) -> Category:
        category = Category.objects.filter(slug=seed.slug).first()
        if category is None:
            category = category_save(category=Category(name=seed.name, slug=seed.slug, order=order))
            self.created += 1
            self._say(f"Created category {category.slug}")
        return category

    def _course(self, seed: SeedCourse, *, instructor: User) -> Course:
        course = Course.objects.filter(slug=seed.slug).first()
        created = course is None
        if created:
            course = course_save(
                course=Course(
                    slug=seed.slug,
                    title=seed.title,
                    subtitle=seed.subtitle,
                    description=seed.description,
                    instructor=instructor,
                    price=seed.price,
                    currency=seed.currency,
                    # A draft until its lessons are in: only then may it be published (course_save).
                    status=Course.Status.DRAFT,
                    level=seed.level,
                    language=seed.language,
                ),
                author=instructor,
            )
        self.created += created
        self._say(f"{'Created' if created else 'Found'} course {course.slug}")
        for module_seed in seed.modules:
            # New rows go last: in a fresh course that is the seed's order; in one an
            # instructor has since rearranged, their order is kept.
            module = Module.objects.filter(course=course, title=module_seed.title).first()
            if module is None:
                module = module_save(
                    module=Module(course=course, title=module_seed.title, description=module_seed.description)
                )
                self.created += 1
            for lesson_seed in module_seed.lessons:
                lesson = Lesson.objects.filter(module=module, title=lesson_seed.title).first()
                if lesson is None:
                    lesson = self._lesson(lesson_seed, module=module)
                if lesson_seed.quiz is not None and lesson.kind == Lesson.Kind.QUIZ:
                    self._quiz(lesson_seed.quiz, lesson=lesson)
            if _has_gaps(Lesson.objects.filter(module=module)):
                lessons_renumber(module=module)
        if _has_gaps(Module.objects.filter(course=course)):
            modules_renumber(course=course)
        if created and seed.status != course.status:
            course.refresh_from_db()  # the curriculum's writes changed the row since
            course.status = seed.status
            course = course_save(course=course, author=instructor)
        return course

    def _lesson(self, seed: SeedLesson, *, module: Module) -> Lesson:
        lesson = lesson_save(
            lesson=Lesson(
                module=module,
                title=seed.title,
                kind=seed.kind,
                duration=seed.duration,
                description=seed.description,
                video_url=seed.video_url,
                video_id=seed.video_id,
                content=seed.content,
                is_preview=seed.is_preview,
            )
        )
        self.created += 1
        self._say(f"  + lesson {module.title} / {seed.title}")
        return lesson

    def _quiz(self, seed: SeedQuiz, *, lesson: Lesson) -> Quiz:
        quiz = Quiz.objects.filter(lesson=lesson).first()
        created = quiz is None
        if created:
            quiz = quiz_save(
                quiz=Quiz(
                    lesson=lesson,
                    pass_mark=seed.pass_mark,
                    max_attempts=seed.max_attempts,
                    time_limit_minutes=seed.time_limit_minutes,
                    shuffle_questions=seed.shuffle_questions,
                    show_answers=seed.show_answers,
                )
            )
        self.created += created
        prompts = set(quiz.questions.values_list("prompt", flat=True))
        added = 0
        for question_seed in seed.questions:
            if question_seed.prompt in prompts:
                continue
            question_create(
                quiz=quiz,
                kind=question_seed.kind,
                prompt=question_seed.prompt,
                explanation=question_seed.explanation,
                points=question_seed.points,
                choices=question_seed.choices,
            )
            added += 1
            self.created += 1 + len(question_seed.choices)
        if created or added:
            self._say(f"  + quiz {lesson.title}: {added} question{'s' if added != 1 else ''}")
        return quiz

    # --- The students' learning, through the services their clicks call ----------------------

    def _course_complete(self, student: User, course: Course, *, seed: SeedCourse) -> None:
        """Complete every lesson of the course for the student: the site then
        records the completion and issues the certificate itself."""
        enrollment = Enrollment.objects.get(user=student, course=course)
        if enrollment.completed_at is not None:
            return  # completed before; lessons added since do not undo that
        self._lessons_complete(student, course, seed=seed, until=100)
        certificate = Certificate.objects.filter(enrollment=enrollment).first()
        if certificate is None:
            raise CommandError(f"{student.email} completed {course.slug} but was given no certificate.")
        self.created += 1
        self._say(f"  {student.email} completed {course.slug}: certificate {certificate.get_absolute_url()}")

    def _lessons_complete(self, student: User, course: Course, *, seed: SeedCourse, until: int) -> None:
        """Complete the student's open lessons of the course, first to last in
        curriculum order, until their progress is at least `until` percent."""
        enrollment = Enrollment.objects.get(user=student, course=course)
        done = completed_lesson_ids_get(user=student, course=course)
        lessons = Lesson.objects.filter(module__course=course).in_curriculum_order().select_related("module")
        for lesson in lessons:
            if enrollment.progress_percent >= until:
                break
            if lesson.pk in done:
                continue
            how = self._lesson_complete(student, lesson, course=course, seed=seed)
            self.created += 1
            self._say(f"  {student.email} completed {course.slug} / {lesson.title} ({how})")
            enrollment.refresh_from_db(fields=["progress_percent"])
        if enrollment.progress_percent < until:
            raise CommandError(
                f"{student.email} is at {enrollment.progress_percent}% of {course.slug}"
                f" after every lesson, not {until}%."
            )

    def _lesson_complete(self, student: User, lesson: Lesson, *, course: Course, seed: SeedCourse) -> str:
        """Complete one lesson as the student would; returns how, for the log."""
        try:
            if lesson.kind in SELF_MARKED_KINDS:
                lesson_complete(user=student, lesson=lesson)
                return "marked complete"
            if lesson.kind == Lesson.Kind.QUIZ:
                return self._quiz_pass(student, lesson)
            return self._assignment_pass(student, lesson, course=course, seed=seed)
        except (
            ProgressNotAllowed,
            QuizNotAvailable,
            SubmissionNotAllowed,
            SubmissionReviewNotAllowed,
        ) as error:
            raise CommandError(
                f"{student.email} cannot complete {course.slug} / {lesson.title}: {error}"
            ) from None

    def _quiz_pass(self, student: User, lesson: Lesson) -> str:
        quiz = Quiz.objects.select_related("lesson__module").filter(lesson=lesson).first()
        if quiz is None:
            raise QuizNotAvailable("This quiz lesson has no quiz.")
        # The attempt already open, if the student started one, or a new one.
        attempt = quiz_attempt_start(user=student, quiz=quiz)
        attempt.quiz = quiz  # with its lesson and module, as quiz_attempt_submit wants
        answers = QueryDict(mutable=True)
        for question in attempt_questions(attempt=attempt):
            answers.setlist(
                field_name(question.pk), [str(c.pk) for c in question.choices.all() if c.is_correct]
            )
        attempt = quiz_attempt_submit(attempt=attempt, data=answers)
        if not attempt.passed:
            raise QuizNotAvailable(f"The right answers scored {attempt.score}%, under the pass mark.")
        return f"passed the quiz with {attempt.score}%"

    def _assignment_pass(self, student: User, lesson: Lesson, *, course: Course, seed: SeedCourse) -> str:
        lesson_seed = seed.lesson(module=lesson.module.title, title=lesson.title)
        work = lesson_seed.demo_submission if lesson_seed is not None else None
        if work is None:
            raise SubmissionNotAllowed("The data file gives no demo_submission for this assignment.")
        # Work the student sent themself and that awaits review is kept, and passed.
        submission = Submission.objects.filter(
            user=student, lesson=lesson, status=Submission.Status.SUBMITTED
        ).first() or submission_submit(user=student, lesson=lesson, text=work.text)
        submission_review(
            submission=submission,
            reviewer=course.instructor,
            status=Submission.Status.PASSED,
            feedback=work.feedback,
        )
        return f"assignment passed by {course.instructor.email}"

    def _review(self, seed: SeedReview, *, student: User, course: Course, seed_course: SeedCourse) -> None:
        review = Review.objects.filter(user=student, course=course).first()
        if review is None:
            self._lessons_complete(student, course, seed=seed_course, until=settings.REVIEW_MIN_PROGRESS)
            try:
                saved = review_save(user=student, course=course, rating=seed.rating, body=seed.body)
            except ReviewNotAllowed as error:
                raise CommandError(f"{student.email} cannot review {course.slug}: {error}") from None
            review = saved.review
            self.created += 1
            self._say(f"  {student.email} reviewed {course.slug}: {seed.rating} stars")
        if seed.answer and review.replied_at is None:
            review_answer(review=review, body=seed.answer)
            self.created += 1
            self._say(f"  {course.instructor.email} answered the review of {course.slug} by {student.email}")
