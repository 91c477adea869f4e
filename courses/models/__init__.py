"""The courses app's models: the catalogue and the curriculum (content.py), and
quizzes' questions (quizzes.py). Everything is importable from `courses.models`."""

from courses.models.content import (
    COURSE_LANGUAGES,
    IMAGE_MIN_HEIGHT,
    IMAGE_MIN_WIDTH,
    PLACEHOLDER_HUES,
    Category,
    Course,
    CourseQuerySet,
    Lesson,
    LessonQuerySet,
    Module,
    ModuleQuerySet,
    course_image_upload_to,
)
from courses.models.quizzes import Choice, Question, Quiz

__all__ = [
    "COURSE_LANGUAGES",
    "IMAGE_MIN_HEIGHT",
    "IMAGE_MIN_WIDTH",
    "PLACEHOLDER_HUES",
    "Category",
    "Choice",
    "Course",
    "CourseQuerySet",
    "Lesson",
    "LessonQuerySet",
    "Module",
    "ModuleQuerySet",
    "Question",
    "Quiz",
    "course_image_upload_to",
]
