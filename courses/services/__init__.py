"""Every write about courses and their content, one module per concern:

* `authoring` — create, change, move and order courses, modules, lessons,
  quizzes and questions;
* `moves` — move lessons and modules in the curriculum tree;
* `archive` — remove content: archive what students have worked on, delete
  the rest, restore; delete a course nobody has joined;
* `images` — a course picture's renditions, made when the course is saved.

Callers import from here (`from courses.services import lesson_save`)."""

from courses.services.archive import (
    CourseHasStudentWork,
    Removal,
    course_delete,
    lessons_delete_or_archive,
    lessons_removal_plan,
    lessons_restore,
    modules_delete_or_archive,
    modules_removal_plan,
    modules_restore,
)
from courses.services.authoring import (
    category_save,
    course_categories_set,
    course_save,
    curriculum_changed_send,
    lesson_save,
    lessons_renumber,
    module_save,
    modules_renumber,
    question_create,
    question_save,
    quiz_save,
)
from courses.services.moves import MoveRefused, lesson_move, module_move

__all__ = [
    "CourseHasStudentWork",
    "MoveRefused",
    "Removal",
    "category_save",
    "course_categories_set",
    "course_delete",
    "course_save",
    "curriculum_changed_send",
    "lesson_move",
    "lesson_save",
    "lessons_delete_or_archive",
    "lessons_removal_plan",
    "lessons_renumber",
    "lessons_restore",
    "module_move",
    "module_save",
    "modules_delete_or_archive",
    "modules_removal_plan",
    "modules_renumber",
    "modules_restore",
    "question_create",
    "question_save",
    "quiz_save",
]
