"""Factories for quizzes, attempts and submissions (the shared ones live in
tests/factories.py)."""

import factory
from django.utils import timezone

from courses.models import Choice, Lesson, Question, Quiz
from learning.models import Submission
from tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, ModuleFactory


class QuizFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quiz

    lesson = factory.SubFactory(LessonFactory, kind=Lesson.Kind.QUIZ, content="")


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    quiz = factory.SubFactory(QuizFactory)
    kind = Question.Kind.SINGLE
    prompt = factory.Sequence(lambda n: f"Question {n}?")
    explanation = "Because the docs say so."
    order = factory.Sequence(lambda n: n)


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory)
    text = factory.Sequence(lambda n: f"Choice {n}")
    order = factory.Sequence(lambda n: n)


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    lesson = factory.SubFactory(LessonFactory, kind=Lesson.Kind.ASSIGNMENT)
    user = factory.SubFactory("tests.factories.UserFactory")
    text = "My essay"
    submitted_at = factory.LazyFunction(timezone.now)


def question_with_choices(quiz, kind=Question.Kind.SINGLE, *, correct=(0,), choices=3, points=1, **fields):
    """A question whose choices `correct` (indexes) are right. Returns (question, [choices])."""
    if kind == Question.Kind.TRUE_FALSE:
        choices = 2
    question = QuestionFactory(quiz=quiz, kind=kind, points=points, **fields)
    made = [
        ChoiceFactory(
            question=question, text=f"Answer {i} of {question.prompt}", is_correct=i in correct, order=i
        )
        for i in range(choices)
    ]
    return question, made


def quiz_course(**quiz_fields):
    """A published course with one text lesson and one quiz lesson (a quiz of two
    single-choice questions), an enrolled student. Returns (quiz, enrollment)."""
    course = CourseFactory()
    module = ModuleFactory(course=course, order=0)
    LessonFactory(module=module, order=0, title="Reading")
    quiz = QuizFactory(lesson__module=module, lesson__order=1, lesson__title="Check yourself", **quiz_fields)
    question_with_choices(quiz, correct=(0,))
    question_with_choices(quiz, correct=(1,))
    return quiz, EnrollmentFactory(course=course)
