"""Signals `courses` sends so that apps above it can react to authoring without
`courses` importing them (README: "Map of the code").

`curriculum_changed` is sent by `courses.services`, inside the transaction of
every write that adds, removes, moves or reorders lessons of a course, with
`course_ids`: the courses whose list of lessons changed. `learning` connects
to it (learning/apps.py) and recomputes every enrollment's percentage in that
same transaction, so no student ever sees a percentage of a curriculum that
no longer exists."""

from django.dispatch import Signal

curriculum_changed = Signal()
