"""My learning's cards in one query, without a subquery per card over lessons
or progress.

Each card needs figures about the lessons of its course (how many, how long),
where "Continue" leads and, when the stored percentage is of an older
curriculum, the current one. As correlated subqueries those scan the course's
lessons (and probe the student's progress) once per card and per figure. Here
the student's enrollments are joined once to their courses' lessons and to the
student's own completed progress rows (PostgreSQL hashes those, whatever the
number of other students) and grouped by enrollment: every such figure is an
aggregate of that one join. That grouped join is a derived table, joined to the
enrollment, its course and instructor, its certificate and the figures other
apps register (students, rating: one cheap subquery per card). Grouping the
whole wide row instead carries every course column through the join, and makes
PostgreSQL expect one group per joined lesson: the registered figures then look
costly enough to it to JIT-compile the query (150 ms).

The ORM writes every part (the grouped join, the figures); only the frame that
joins them is SQL here. The rules stay those of their homes, and
tests/learning/test_dashboard_cards.py checks that they agree: the lessons
counted are `LessonQuerySet.in_curriculum`'s, the order `in_curriculum_order`'s
(read from it), "Continue" is `continue_lesson_id_expression`'s rule and the
percentage `learning.selectors.percentages`'s."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from django.db import DEFAULT_DB_ALIAS, NotSupportedError, connections
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    Expression,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Model,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest, Least
from django.db.models.sql import Query

from courses.catalogue import card_stat_annotations, card_stat_names
from courses.models import Course, Lesson
from enrollments.models import Enrollment
from learning.models import Certificate
from learning.selectors.percentages import CURRENT

if TYPE_CHECKING:
    from lms.models import User

_MODULE = "course__modules__"
_LESSON = "course__modules__lessons__"
_COMPLETED = "completed_progress"  # the student's completed progress row of the joined lesson

# A joined lesson that is part of its course now (LessonQuerySet.in_curriculum);
# the pk test drops the row a module without lessons leaves in the LEFT JOIN.
_IN_CURRICULUM = Q(
    course__modules__lessons__pk__isnull=False,
    course__modules__lessons__archived_at__isnull=True,
    course__modules__archived_at__isnull=True,
)
# The card figures the grouped join counts itself (courses' own, catalogue._lesson_count, _total_duration).
_FROM_JOIN = ("lesson_count", "total_duration")


def _curriculum_order() -> list[str]:
    """`in_curriculum_order`'s fields, seen from the enrollment: module__order ->
    course__modules__order, order -> course__modules__lessons__order."""
    fields = Lesson.objects.in_curriculum_order().query.order_by
    return [
        _MODULE + name.removeprefix("module__") if name.startswith("module__") else _LESSON + name
        for name in fields
    ]


class _CurriculumKey(Func):
    """A value that sorts like the tuple of its arguments, each a non-negative
    integer of at most 20 digits: an integer array on PostgreSQL, zero-padded
    digits on SQLite. Only compared inside the query."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("My learning's cards need PostgreSQL or SQLite.")

    def as_sqlite(self, compiler, connection, **extra_context):
        # %% in the statement: a literal % beside the parameters' %s.
        digits = "%%%%020d" * len(self.source_expressions)
        return super().as_sql(compiler, connection, template=f"PRINTF('{digits}', %(expressions)s)")

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="ARRAY[%(expressions)s]::bigint[]")


class _FirstLesson(Aggregate):
    """The pk of the first lesson in curriculum order among the group's lessons
    in the curriculum, those still to do before those done: the MIN of the key
    (done, *the lesson's place in curriculum order), whose last part is the pk."""

    function = "MIN"
    output_field = IntegerField()

    def __init__(self, done: Expression, order: list[str]):
        self.parts = 1 + len(order)
        key = _CurriculumKey(done, *(F(name) for name in order))
        super().__init__(Case(When(_IN_CURRICULUM, then=key)))

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = self.as_sql(compiler, connection, **extra_context)
        return f"CAST(SUBSTR({sql}, -20) AS INTEGER)", params

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = self.as_sql(compiler, connection, **extra_context)
        return f"({sql})[{self.parts}]", params


# Stands for the student's id among the parameters of the statement compiled once.
_STUDENT = object()


def _grouped() -> Query:
    """Per active enrollment of the student: its pk, the lesson figures, where
    "Continue" leads and the current percentage (`percentages`' rule: the
    stored one unless the course's curriculum moved on since)."""
    completed = Q(
        course__modules__lessons__progress__user=F("user"),
        course__modules__lessons__progress__completed_at__isnull=False,
    )
    done = Case(When(**{f"{_COMPLETED}__isnull": True}, then=Value(0)), default=Value(1))
    lesson_count = Count(_LESSON + "pk", filter=_IN_CURRICULUM)
    completed_count = Count(_COMPLETED, filter=_IN_CURRICULUM)
    # percentages.percent_expression's formula, over the counts of this join.
    percent = completed_count * Value(100) / Greatest(lesson_count, Value(1))
    current = Case(
        When(progress_revision__gte=F("course__curriculum_revision"), then=F("progress_percent")),
        default=Least(percent, Value(100)),
        output_field=IntegerField(),
    )
    student = RawSQL("%s", (_STUDENT,), output_field=IntegerField())
    return (
        Enrollment.objects.active()
        .filter(user=student)
        .alias(**{_COMPLETED: FilteredRelation(_LESSON + "progress", condition=completed)})
        .values("pk")
        .annotate(
            lesson_count=lesson_count,
            total_duration=Coalesce(Sum(_LESSON + "duration", filter=_IN_CURRICULUM), Value(0)),
            continue_lesson_id=_FirstLesson(done, _curriculum_order()),
            **{CURRENT: current},
        )
        .order_by()
        .query
    )


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple
    columns: tuple[Expression, ...]  # what each column of a row is, for its converters
    models: tuple[tuple[type[Model], tuple[str, ...]], ...]  # enrollment, course, instructor: their attnames
    annotations: tuple[str, ...]  # the rest of the row


@cache
def _statement(vendor: str, figures: tuple[str, ...]) -> _Statement:
    """The cards' query, compiled once per process (and set of card figures)."""
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    instructor_model = Course._meta.get_field("instructor").related_model
    tables = {
        Enrollment: quote(Enrollment._meta.db_table),
        Course: quote(Course._meta.db_table),
        instructor_model: quote("card_instructor"),
        Certificate: quote(Certificate._meta.db_table),
    }

    def column(model: type[Model], name: str) -> str:
        return f"{tables[model]}.{quote(model._meta.get_field(name).column)}"

    select: list[str] = []
    columns: list[Expression] = []
    models = []
    for model in (Enrollment, Course, instructor_model):
        fields = model._meta.concrete_fields
        select += [column(model, field.name) for field in fields]
        columns += [field.get_col(tables[model]) for field in fields]
        models.append((model, tuple(field.attname for field in fields)))
    grouped = _grouped()
    annotations = [*_FROM_JOIN, "continue_lesson_id", CURRENT]
    select += [f"cards.{quote(name)}" for name in annotations]
    columns += [grouped.annotations[name] for name in annotations]
    annotations.append("certificate_code")
    select.append(column(Certificate, "code"))
    columns.append(Certificate._meta.get_field("code").get_col(tables[Certificate]))
    # Other apps' figures, as they registered them: written for a queryset of
    # enrollments, so the outer enrollment keeps its table's name.
    figure_query = Enrollment.objects.all().query
    compiler = figure_query.get_compiler(connection=connection)
    params: list = []
    for name, expression in card_stat_annotations(Enrollment, "course").items():
        if name not in _FROM_JOIN:
            resolved = expression.resolve_expression(figure_query)
            figure_sql, figure_params = compiler.compile(resolved)
            select.append(figure_sql)
            columns.append(resolved)
            params += figure_params
            annotations.append(name)
    grouped_sql, grouped_params = grouped.sql_with_params()
    enrollment_pk = column(Enrollment, Enrollment._meta.pk.name)
    course_pk = column(Course, Course._meta.pk.name)
    instructor_pk = column(instructor_model, instructor_model._meta.pk.name)
    # Names from the models' _meta, the rest compiled by the ORM; every value is a parameter.
    sql = (
        f"SELECT {', '.join(select)} FROM {tables[Enrollment]}"  # noqa: S608
        f" INNER JOIN ({grouped_sql}) cards ON cards.{quote('pk')} = {enrollment_pk}"
        f" INNER JOIN {tables[Course]} ON {course_pk} = {column(Enrollment, 'course')}"
        f" INNER JOIN {quote(instructor_model._meta.db_table)} {tables[instructor_model]}"
        f" ON {instructor_pk} = {column(Course, 'instructor')}"
        f" LEFT OUTER JOIN {tables[Certificate]} ON {column(Certificate, 'enrollment')} = {enrollment_pk}"
        f" ORDER BY {column(Enrollment, 'enrolled_at')} DESC, {enrollment_pk} DESC"
    )
    return _Statement(sql, (*params, *grouped_params), tuple(columns), tuple(models), tuple(annotations))


def enrollment_cards(*, user: User) -> list[Enrollment]:
    """The active enrollments of `user`, newest first, with their course and its
    instructor loaded, each annotated with every card figure, `continue_lesson_id`,
    `certificate_code` and the current percentage (for `progress_current_apply`).
    One query."""
    connection = connections[DEFAULT_DB_ALIAS]
    statement = _statement(connection.vendor, tuple(card_stat_names()))
    params = [user.pk if param is _STUDENT else param for param in statement.params]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        rows = cursor.fetchall()
    # The converters Django's own compiler would apply (SQLite's dates and decimals, JSON fields).
    ops = connection.ops
    converters = [
        (index, column, functions)
        for index, column in enumerate(statement.columns)
        if (functions := [*ops.get_db_converters(column), *column.get_db_converters(connection)])
    ]
    cards = []
    for row in rows:
        values = list(row)
        for index, column, functions in converters:
            for function in functions:
                values[index] = function(values[index], column, connection)
        instances, start = [], 0
        for model, names in statement.models:
            instances.append(model.from_db(DEFAULT_DB_ALIAS, names, values[start : start + len(names)]))
            start += len(names)
        card, course, instructor = instances
        course.instructor = instructor
        card.course = course
        for name, value in zip(statement.annotations, values[start:], strict=True):
            setattr(card, name, value)
        cards.append(card)
    return cards
