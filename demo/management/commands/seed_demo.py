"""`python manage.py seed_demo`: a believable demo catalogue.

The catalogue is data, `demo/data/catalogue.toml` (read and checked by
`demo.catalogue`); this command writes it through the authoring services.

Everything is keyed on a natural key (a user's e-mail, a course's slug, a
module's (course, title), a lesson's (module, title), a quiz's lesson, a
question's (quiz, prompt)) and only created when missing, so a second run
changes nothing, and an instructor's later edits to a seeded course survive a
re-run. A question is created with its choices or not at all: adding a choice
to a question an instructor has edited could make it unanswerable.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from courses.models import Course, Lesson, Module, Quiz
from courses.services import (
    course_save,
    lesson_save,
    lessons_renumber,
    module_save,
    modules_renumber,
    question_create,
    quiz_save,
)
from demo.catalogue import CatalogueError, SeedCourse, SeedLesson, SeedQuiz, SeedUser, catalogue_load
from enrollments.services import EnrollmentNotAllowed, enrollment_create_free
from lms.models import User
from lms.services import user_make_instructor


class Command(BaseCommand):
    help = "Create demo users, courses, modules, lessons and enrollments. Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        try:
            catalogue = catalogue_load()
        except CatalogueError as error:
            raise CommandError(str(error)) from error
        self.created = 0
        self._user(catalogue.admin, superuser=True)
        instructors = {}
        for seed in catalogue.instructors:
            user = self._user(seed)
            if not user.is_instructor:
                user_make_instructor(user=user)
                self._say(f"  made {user.email} an instructor")
            instructors[seed.email] = user
        students = {seed.email: self._user(seed) for seed in catalogue.students}

        courses = {}
        for seed in catalogue.courses:
            courses[seed.slug] = self._course(seed, instructor=instructors[seed.instructor])

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
                    status=seed.status,
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
            lessons_renumber(module=module)  # a no-op unless someone left gaps
        modules_renumber(course=course)
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
