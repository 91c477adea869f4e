"""The curriculum tree on a course's admin page (issue 14): modules and their
lessons in one list, moved by drag and drop or buttons, each move one POST to
the course's move URL, which calls `lesson_move` / `module_move`."""

import json
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import Lesson, Module
from courses.services import MoveRefused, lesson_move, module_move
from courses.signals import curriculum_changed
from tests.factories import LessonFactory, ModuleFactory, UserFactory, course_with_curriculum

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def course_a(instructor):
    return course_with_curriculum(
        modules=3, lessons_per_module=3, instructor=instructor, title="Alpha course", slug="alpha"
    )


@pytest.fixture
def course_b(other_instructor):
    return course_with_curriculum(
        modules=2, lessons_per_module=2, instructor=other_instructor, title="Beta course", slug="beta"
    )


@pytest.fixture
def signals():
    """The course ids of every `curriculum_changed` sent during the test."""
    sent: list[list[int]] = []

    def receiver(sender, *, course_ids, **kwargs):
        sent.append(list(course_ids))

    curriculum_changed.connect(receiver, dispatch_uid="test_curriculum_tree")
    yield sent
    curriculum_changed.disconnect(dispatch_uid="test_curriculum_tree")


def change_url(course) -> str:
    return reverse("admin:courses_course_change", args=[course.pk])


def move_url(course) -> str:
    return reverse("admin:courses_course_curriculum_move", args=[course.pk])


def titles(module) -> list[str]:
    return list(module.lessons.order_by("order").values_list("title", flat=True))


def orders(module) -> list[int]:
    return list(Lesson.objects.filter(module=module).order_by("order", "pk").values_list("order", flat=True))


def tree_titles(html: str) -> list[str]:
    """The module and lesson titles of the tree, in the order shown."""
    tree = html[html.index('id="curriculum"') :]
    return re.findall(
        r'<a (?:class="curriculum-title" )?href="/admin/courses/(?:module|lesson)/\d+/change/">([^<]+)</a>',
        tree,
    )


# --- what the page shows ------------------------------------------------------------------------


def test_the_course_page_shows_modules_and_lessons_as_one_tree_without_lesson_forms(
    client, instructor, course_a
):
    client.force_login(instructor)
    html = client.get(change_url(course_a)).content.decode()
    assert tree_titles(html) == [
        "Module 1", "Lesson 1.1", "Lesson 1.2", "Lesson 1.3",
        "Module 2", "Lesson 2.1", "Lesson 2.2", "Lesson 2.3",
        "Module 3", "Lesson 3.1", "Lesson 3.2", "Lesson 3.3",
    ]  # fmt: skip
    lesson = course_a.modules.first().lessons.first()
    assert reverse("admin:courses_lesson_change", args=[lesson.pk]) in html
    assert 'name="modules-' not in html and 'name="lessons-' not in html  # no inline forms to scroll
    assert "Text · 1 min · Preview" in html
    assert "vendor/sortablejs/Sortable.min.js" in html and "js/curriculum-tree.js" in html
    assert "<script>" not in html  # nothing inline: the Content-Security-Policy forbids it


def test_archived_lessons_and_modules_stay_out_of_the_tree(client, instructor, course_a):
    first, second, _ = course_a.modules.all()
    Lesson.objects.filter(module=first, title="Lesson 1.2").update(archived_at=timezone.now())
    Module.objects.filter(pk=second.pk).update(archived_at=timezone.now())
    client.force_login(instructor)
    shown = tree_titles(client.get(change_url(course_a)).content.decode())
    assert shown == [
        "Module 1",
        "Lesson 1.1",
        "Lesson 1.3",
        "Module 3",
        "Lesson 3.1",
        "Lesson 3.2",
        "Lesson 3.3",
    ]


@pytest.mark.parametrize("size", [(1, 1), (4, 6)])
def test_the_course_page_runs_the_same_queries_whatever_the_curriculum(
    client, instructor, django_assert_num_queries, size
):
    modules, lessons = size
    course = course_with_curriculum(modules=modules, lessons_per_module=lessons, instructor=instructor)
    client.force_login(instructor)
    client.get(change_url(course))  # Django caches content types per process
    # session, user, the course, permissions (user, groups), its ownership (once), the course's
    # categories and every category (the widget), the tree's modules and its lessons.
    with django_assert_num_queries(10):
        response = client.get(change_url(course))
    assert response.status_code == 200
    assert len(tree_titles(response.content.decode())) == modules * (lessons + 1)


# --- moving lessons ----------------------------------------------------------------------------


def test_a_lesson_moves_within_its_module(client, instructor, course_a, signals):
    module = course_a.modules.first()
    third = module.lessons.get(title="Lesson 1.3")
    client.force_login(instructor)
    response = client.post(
        move_url(course_a), {"lesson": third.pk, "to_module": module.pk, "position": 0}, **JSON
    )
    assert response.status_code == 200
    body = json.loads(response.content)
    assert "Moved the lesson “Lesson 1.3”" in body["message"]
    assert tree_titles(body["html"])[:4] == ["Module 1", "Lesson 1.3", "Lesson 1.1", "Lesson 1.2"]
    assert titles(module) == ["Lesson 1.3", "Lesson 1.1", "Lesson 1.2"]
    assert orders(module) == [0, 1, 2]
    assert signals == [[course_a.pk]]  # once


def test_a_lesson_moves_to_a_position_in_another_module_and_both_stay_dense(
    client, instructor, course_a, signals
):
    source, target, _ = course_a.modules.all()
    moving = source.lessons.get(title="Lesson 1.1")
    client.force_login(instructor)
    response = client.post(
        move_url(course_a), {"lesson": moving.pk, "to_module": target.pk, "position": 1}, **JSON
    )
    assert response.status_code == 200
    assert titles(source) == ["Lesson 1.2", "Lesson 1.3"]
    assert titles(target) == ["Lesson 2.1", "Lesson 1.1", "Lesson 2.2", "Lesson 2.3"]
    assert orders(source) == [0, 1] and orders(target) == [0, 1, 2, 3]
    assert signals == [[course_a.pk]]
    # The visitor's page follows (the curriculum's cache version changed).
    page = client.get(course_a.get_absolute_url()).content.decode()
    assert page.index("Lesson 2.1") < page.index("Lesson 1.1") < page.index("Lesson 2.2")


def test_a_lesson_moved_past_the_end_or_without_position_goes_last(client, instructor, course_a):
    source, target, _ = course_a.modules.all()
    client.force_login(instructor)
    first = source.lessons.get(title="Lesson 1.1")
    client.post(move_url(course_a), {"lesson": first.pk, "to_module": target.pk, "position": 99}, **JSON)
    second = source.lessons.get(title="Lesson 1.2")
    client.post(move_url(course_a), {"lesson": second.pk, "to_module": target.pk}, **JSON)
    assert titles(target)[-2:] == ["Lesson 1.1", "Lesson 1.2"]
    assert orders(target) == [0, 1, 2, 3, 4]


def test_a_lesson_moves_into_an_empty_module(client, instructor, course_a):
    empty = ModuleFactory(course=course_a, title="Empty", order=3)
    moving = course_a.modules.first().lessons.first()
    client.force_login(instructor)
    response = client.post(
        move_url(course_a), {"lesson": moving.pk, "to_module": empty.pk, "position": 0}, **JSON
    )
    assert response.status_code == 200
    assert titles(empty) == [moving.title]


def test_positions_count_the_curriculum_and_archived_lessons_keep_their_place(instructor, course_a):
    source, target, _ = course_a.modules.all()
    archived = target.lessons.get(title="Lesson 2.1")
    Lesson.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    moving = source.lessons.get(title="Lesson 1.1")
    # Position 0 among what the tree shows: before Lesson 2.2, the archived 2.1 stays first.
    lesson_move(lesson=moving, module=target, position=0, by=instructor)
    assert titles(target) == ["Lesson 2.1", "Lesson 1.1", "Lesson 2.2", "Lesson 2.3"]
    assert orders(target) == [0, 1, 2, 3]


def test_a_move_that_changes_nothing_writes_and_sends_nothing(instructor, course_a, signals):
    module = course_a.modules.first()
    lesson = module.lessons.get(title="Lesson 1.2")
    before = list(Lesson.objects.filter(module=module).values_list("pk", "order", "updated_at"))
    assert lesson_move(lesson=lesson, module=module, position=1, by=instructor) is False
    assert list(Lesson.objects.filter(module=module).values_list("pk", "order", "updated_at")) == before
    assert signals == []


# --- moving modules ----------------------------------------------------------------------------


def test_a_module_moves_and_the_course_stays_dense(client, instructor, course_a, signals):
    first, second, third = course_a.modules.all()
    client.force_login(instructor)
    response = client.post(move_url(course_a), {"module": third.pk, "position": 0}, **JSON)
    assert response.status_code == 200
    assert json.loads(response.content)["message"] == "Moved the module “Module 3” to position 1."
    assert list(course_a.modules.values_list("pk", "order")) == [(third.pk, 0), (first.pk, 1), (second.pk, 2)]
    assert signals == [[course_a.pk]]


def test_a_sparse_module_order_is_made_dense_by_a_move(instructor, course_a):
    Module.objects.filter(course=course_a).update(order=10)
    first, second, third = course_a.modules.order_by("pk")
    module_move(module=first, position=2, by=instructor)
    assert list(course_a.modules.values_list("pk", "order")) == [(second.pk, 0), (third.pk, 1), (first.pk, 2)]


# --- refusals ----------------------------------------------------------------------------------


def test_a_lesson_never_moves_to_another_courses_module(client, instructor, course_a, course_b, signals):
    own_other = course_with_curriculum(
        modules=1, lessons_per_module=1, instructor=instructor, slug="own-other"
    )
    moving = course_a.modules.first().lessons.first()
    client.force_login(instructor)
    for target in (own_other.modules.get(), course_b.modules.first()):
        response = client.post(
            move_url(course_a), {"lesson": moving.pk, "to_module": target.pk, "position": 0}, **JSON
        )
        assert response.status_code == 400
        assert "not possible" in json.loads(response.content)["error"]
        assert not target.lessons.filter(pk=moving.pk).exists()
    moving.refresh_from_db()
    assert moving.module.course == course_a
    assert signals == []
    # The service refuses on its own too, whoever calls it.
    with pytest.raises(MoveRefused):
        lesson_move(lesson=moving, module=own_other.modules.get(), position=0, by=instructor)
    assert orders(own_other.modules.get()) == [0]


def test_another_instructors_course_is_not_found_and_nothing_moves(client, instructor, course_b, signals):
    theirs = course_b.modules.first()
    lesson = theirs.lessons.last()
    client.force_login(instructor)
    response = client.post(move_url(course_b), {"lesson": lesson.pk, "to_module": theirs.pk, "position": 0})
    assert response.status_code == 404
    response = client.post(move_url(course_b), {"module": course_b.modules.last().pk, "position": 0})
    assert response.status_code == 404
    assert titles(theirs) == ["Lesson 1.1", "Lesson 1.2"]
    assert signals == []


def test_their_lesson_posted_to_my_course_is_a_400(client, instructor, course_a, course_b):
    theirs = course_b.modules.first().lessons.last()
    mine = course_a.modules.first()
    client.force_login(instructor)
    response = client.post(move_url(course_a), {"lesson": theirs.pk, "to_module": mine.pk, "position": 0})
    assert response.status_code == 400
    assert theirs.module.lessons.filter(pk=theirs.pk).exists()
    assert titles(mine) == ["Lesson 1.1", "Lesson 1.2", "Lesson 1.3"]


def test_the_service_refuses_a_user_who_may_not_edit_the_course(other_instructor, course_a):
    module = course_a.modules.first()
    with pytest.raises(PermissionDenied):
        lesson_move(lesson=module.lessons.last(), module=module, position=0, by=other_instructor)
    with pytest.raises(PermissionDenied):
        module_move(module=course_a.modules.last(), position=0, by=UserFactory())
    assert titles(module) == ["Lesson 1.1", "Lesson 1.2", "Lesson 1.3"]


def test_archived_rows_cannot_be_moved(client, instructor, course_a):
    first, second, _ = course_a.modules.all()
    archived = LessonFactory(module=first, title="Gone", archived_at=timezone.now())
    client.force_login(instructor)
    response = client.post(move_url(course_a), {"lesson": archived.pk, "to_module": second.pk, "position": 0})
    assert response.status_code == 400
    Module.objects.filter(pk=second.pk).update(archived_at=timezone.now())
    lesson = first.lessons.first()
    response = client.post(move_url(course_a), {"lesson": lesson.pk, "to_module": second.pk, "position": 0})
    assert response.status_code == 400
    with pytest.raises(MoveRefused):
        lesson_move(lesson=lesson, module=second, position=0, by=instructor)
    assert lesson.module_id == first.pk


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"position": "0"},
        {"lesson": "abc", "to_module": "1"},
        {"lesson": "99999999", "to_module": "1"},
        {"module": "1.5", "position": "0"},
        {"module": "MODULE", "position": "x"},
        {"module": "MODULE", "position": "-1"},
        {"module": "MODULE", "position": "99999999999999999999"},
        {"lesson": "LESSON"},
        {"lesson": "LESSON", "to_module": "MODULE\x00"},
    ],
)
def test_bad_input_is_a_400_never_a_500(client, instructor, course_a, data):
    module = course_a.modules.first()
    lesson = module.lessons.first()
    data = {k: v.replace("MODULE", str(module.pk)).replace("LESSON", str(lesson.pk)) for k, v in data.items()}
    client.force_login(instructor)
    before = list(Lesson.objects.values_list("pk", "module_id", "order"))
    assert client.post(move_url(course_a), data, **JSON).status_code == 400
    assert client.post(move_url(course_a), data).status_code == 400
    assert list(Lesson.objects.values_list("pk", "module_id", "order")) == before


def test_only_post_moves(client, instructor, course_a):
    client.force_login(instructor)
    assert client.get(move_url(course_a)).status_code == 405


def test_a_move_without_the_csrf_token_is_refused(instructor, course_a):
    module = course_a.modules.first()
    lesson = module.lessons.last()
    client = Client(enforce_csrf_checks=True)
    client.force_login(instructor)
    response = client.post(move_url(course_a), {"lesson": lesson.pk, "to_module": module.pk, "position": 0})
    assert response.status_code == 403
    assert titles(module) == ["Lesson 1.1", "Lesson 1.2", "Lesson 1.3"]
    # With the page's token it goes through.
    page = client.get(change_url(course_a)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = client.post(
        move_url(course_a),
        {"lesson": lesson.pk, "to_module": module.pk, "position": 0, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert titles(module)[0] == "Lesson 1.3"


def test_students_and_visitors_never_reach_the_move(client, student, course_a):
    module = course_a.modules.first()
    data = {"lesson": module.lessons.last().pk, "to_module": module.pk, "position": 0}
    response = client.post(move_url(course_a), data)
    assert response.status_code == 302 and reverse("admin:login") in response.url
    client.force_login(student)
    response = client.post(move_url(course_a), data)
    assert response.status_code == 302 and reverse("admin:login") in response.url
    assert titles(module) == ["Lesson 1.1", "Lesson 1.2", "Lesson 1.3"]


def test_a_superuser_moves_in_anyones_course(client, superuser, course_b):
    first, second = course_b.modules.all()
    client.force_login(superuser)
    lesson = first.lessons.first()
    response = client.post(move_url(course_b), {"lesson": lesson.pk, "to_module": second.pk, "position": 0})
    assert response.status_code == 302
    assert titles(second)[0] == lesson.title


# --- the buttons without JavaScript ------------------------------------------------------------


def test_each_button_is_a_form_that_moves_and_comes_back_to_the_tree(client, instructor, course_a):
    client.force_login(instructor)
    html = client.get(change_url(course_a)).content.decode()
    # Lesson 1.2's "down" button: position 2 in its module.
    lesson = course_a.modules.first().lessons.get(title="Lesson 1.2")
    form = re.search(
        rf'<form method="post" action="{move_url(course_a)}"[^>]*>'
        rf'(?:(?!</form>).)*?name="lesson" value="{lesson.pk}"'
        r'(?:(?!</form>).)*?name="position" value="(\d+)">\s*<button[^>]*data-action="down"',
        html,
        re.S,
    )
    assert form and form[1] == "2"
    response = client.post(
        move_url(course_a), {"lesson": lesson.pk, "to_module": lesson.module_id, "position": form[1]}
    )
    assert response.status_code == 302
    assert response.url == change_url(course_a) + "#curriculum"
    page = client.get(response.url).content.decode()
    assert "Moved the lesson “Lesson 1.2”" in page
    assert titles(lesson.module) == ["Lesson 1.1", "Lesson 1.3", "Lesson 1.2"]
    assert 'aria-live="polite"' in page
    assert "Move lesson “Lesson 1.2” to the end of module" in page  # the select's label
