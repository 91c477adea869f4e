"""Instructors author their curriculum here. Every queryset, permission and
foreign-key choice goes through `courses.policies`, so an instructor only ever
meets their own courses, modules and lessons.

* `course` — categories and courses (the course's page holds the curriculum tree);
* `tree` — the curriculum tree: modules and lessons reordered by drag and drop or buttons;
* `module`, `lesson` — their own pages (a lesson's fields by its kind, lengths in minutes);
* `quiz` — quizzes, questions and choices;
* `forms` — the minutes field and the publishing checks; `base` — what they share."""

from courses.admin import course, lesson, module, quiz  # noqa: F401 - registers the ModelAdmins
