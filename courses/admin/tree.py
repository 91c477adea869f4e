"""The curriculum tree on a course's admin page: its modules and, under each,
its lessons (titles, kinds, lengths, links to their own pages), reordered by
dragging (SortableJS, static/js/curriculum-tree.js) or with each row's buttons
(which work without JavaScript too). Every move is one POST to
`CurriculumTreeMixin.curriculum_move_view`, which calls `lesson_move` or
`module_move`. Archived lessons and modules are not in the tree (a superuser
finds them in the lists' "Curriculum" filter, courses/admin_removal.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template.loader import render_to_string
from django.urls import path, reverse

from courses import policies
from courses.models import Course, Lesson, Module
from courses.services import MoveRefused, lesson_move, module_move
from lms.durations import format_duration_words

TREE_TEMPLATE = "admin/courses/course/curriculum_tree.html"


@dataclass
class TreeModule:
    module: Module
    lessons: list[Lesson] = field(default_factory=list)

    @property
    def duration(self) -> str:
        return format_duration_words(sum(lesson.duration for lesson in self.lessons))


def curriculum_tree(*, course: Course) -> list[TreeModule]:
    """The course's modules and lessons in the curriculum, in order: two queries."""
    tree = {module.pk: TreeModule(module) for module in Module.objects.in_curriculum().filter(course=course)}
    lessons = (
        Lesson.objects.in_curriculum()
        .filter(module__course=course)
        .in_curriculum_order()
        .only("pk", "module_id", "title", "kind", "duration", "is_preview", "order")
    )
    for lesson in lessons:
        lesson.duration_words = format_duration_words(lesson.duration)
        tree[lesson.module_id].lessons.append(lesson)
    return list(tree.values())


class CurriculumMoveForm(forms.Form):
    """One move: `lesson` to `to_module` at `position`, or `module` at `position`
    (from 0; empty: last). The choices are the course's own rows, fetched through
    the user, so another course's id is a form error (a 400)."""

    lesson = forms.ModelChoiceField(queryset=Lesson.objects.none(), required=False)
    to_module = forms.ModelChoiceField(queryset=Module.objects.none(), required=False)
    module = forms.ModelChoiceField(queryset=Module.objects.none(), required=False)
    position = forms.IntegerField(required=False, min_value=0, max_value=100_000)

    def __init__(self, data, *, course: Course, user):
        super().__init__(data)
        modules = policies.modules_editable_by(user).in_curriculum().filter(course=course)
        self.fields["lesson"].queryset = (
            policies.lessons_editable_by(user).in_curriculum().filter(module__course=course)
        )
        self.fields["to_module"].queryset = modules
        self.fields["module"].queryset = modules

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("lesson") and not cleaned.get("to_module"):
            raise forms.ValidationError("Say which module the lesson goes to.")
        if not cleaned.get("lesson") and not cleaned.get("module"):
            raise forms.ValidationError("Say which lesson or module moves.")
        return cleaned

    def move(self, *, by) -> str:
        """Make the move; what it did, in words."""
        data = self.cleaned_data
        position = data.get("position")
        if lesson := data.get("lesson"):
            module = data["to_module"]
            lesson_move(lesson=lesson, module=module, position=position, by=by)
            return f"Moved the lesson “{lesson.title}” to “{module.title}”, position {lesson.order + 1}."
        module = data["module"]
        module_move(module=module, position=position, by=by)
        return f"Moved the module “{module.title}” to position {module.order + 1}."


class CurriculumTreeMixin:
    """For the course's ModelAdmin: the tree on its change page and the URL it posts moves to."""

    change_form_template = "admin/courses/course/change_form.html"

    def get_urls(self):
        move = path(
            "<path:object_id>/curriculum/move/",
            self.admin_site.admin_view(self.curriculum_move_view),
            name="courses_course_curriculum_move",
        )
        return [move, *super().get_urls()]

    def curriculum_context(self, request, course: Course) -> dict:
        tree = curriculum_tree(course=course)
        return {
            "course": course,
            "tree": tree,
            "move_url": reverse("admin:courses_course_curriculum_move", args=[course.pk]),
            "module_choices": [(item.module.pk, item.module.title) for item in tree],
        }

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        response = super().render_change_form(request, context, add, change, form_url, obj)
        if obj is not None and not add and response.context_data.get("has_change_permission"):
            response.context_data.update(self.curriculum_context(request, obj))
        return response

    def curriculum_move_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        course = self.get_object(request, unquote(object_id))
        if course is None:
            raise Http404("No such course.")
        if not self.has_change_permission(request, course):
            raise PermissionDenied
        form = CurriculumMoveForm(request.POST, course=course, user=request.user)
        error = message = ""
        if not form.is_valid():
            error = "That move is not possible: " + " ".join(
                str(text) for errors in form.errors.values() for text in errors
            )
        else:
            try:
                message = form.move(by=request.user)
            except MoveRefused as refusal:
                error = str(refusal)
        if message:
            self.log_change(request, course, message)
        wants_json = request.headers.get("Accept", "").startswith("application/json")
        if wants_json:
            html = render_to_string(TREE_TEMPLATE, self.curriculum_context(request, course), request=request)
            body = {"html": html, "message": message} if message else {"html": html, "error": error}
            return JsonResponse(body, status=200 if message else 400)
        if error:
            return HttpResponseBadRequest(error, content_type="text/plain; charset=utf-8")
        self.message_user(request, message)
        return HttpResponseRedirect(reverse("admin:courses_course_change", args=[course.pk]) + "#curriculum")


class BackToCurriculumMixin:
    """A module's or lesson's page saved with plain "Save" goes back to its
    course's curriculum tree, where the instructor came from."""

    def course_id_of(self, obj) -> int:
        raise NotImplementedError

    def _back_to_curriculum(self, obj):
        return HttpResponseRedirect(
            reverse("admin:courses_course_change", args=[self.course_id_of(obj)]) + "#curriculum"
        )

    def response_post_save_add(self, request, obj):
        return self._back_to_curriculum(obj)

    def response_post_save_change(self, request, obj):
        return self._back_to_curriculum(obj)
