"""Signals `courses` sends so that apps above it can react to authoring without
`courses` importing them (README: "Map of the code").


`curriculum_changed` is sent by `courses.services`, inside the transaction of
every write that adds, removes, moves or reorders lessons of a course, with
`course_ids`: the courses whose list of lessons changed, after bumping their
`Course.curriculum_revision`. `learning` connects to it (learning/receivers.py)
and enqueues the job that stores the new percentages; until it has, pages
compute a percentage whose revision is behind the course's on read, so no
student ever sees a percentage of a curriculum that no longer exists."""

from django.dispatch import Signal

curriculum_changed = Signal()

# `curriculum_removing` is sent by `courses.services.archive` first thing in the
# transaction of a removal (lessons or modules archived or deleted), with
# `course_ids`, before it locks any content row. A receiver takes the locks its
# own writes take before they touch content, so that both go in one order and
# a student's write in flight finishes (and is seen as student work) before the
# removal looks: `learning` locks the courses' enrollment rows (the lock every
# student's progress, quiz and assignment write takes first).
curriculum_removing = Signal()
