"""The student's learning actions: mark a lesson complete, take a quiz, send an
assignment, download a submitted file. Each view reads input, calls a service
or selector and renders or redirects."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from courses import policies
from courses.models import Lesson
from courses.page_versions import course_own_page_versions
from courses.quizzes import InvalidAnswer
from enrollments.policies import courses_visible_to
from learning.forms import SubmissionForm
from learning.models import QuizAttempt
from learning.policies import submissions_visible_to
from learning.selectors.pages import lesson_page_get
from learning.selectors.progress import next_step_get
from learning.selectors.quizzes import (
    attempt_questions_for_display,
    quiz_questions_for_display,
    quiz_result_get,
)
from learning.services.assignments import SubmissionNotAllowed, submission_submit
from learning.services.progress import ProgressNotAllowed, lesson_complete, lesson_incomplete
from learning.services.quizzes import (
    QuizNotAvailable,
    attempt_deadline,
    quiz_attempt_start,
    quiz_attempt_submit,
)
from learning.views.pages import lesson_page_render, lesson_refusal
from lms.user_page_cache import user_page_cached

logger = logging.getLogger(__name__)


def _lesson_or_404(request, slug: str, lesson_id: int, *, courses: QuerySet | None = None) -> Lesson:
    """The lesson of a course the viewer may see (or of `courses`), with its module
    and course. An archived lesson takes no new work: it is a 404 here."""
    if courses is None:
        courses = courses_visible_to(request.user)  # its students see a course whatever its status
    lesson = (
        Lesson.objects.in_curriculum()
        .select_related("module__course")
        .filter(pk=lesson_id, module__course__slug=slug, module__course__in=courses)
        .first()
    )
    if lesson is None:
        raise Http404("No such lesson")
    return lesson


def _refuse(request, lesson: Lesson, message: str, *, status: int = 403):
    """A clear refusal that names the reason; nothing has been written."""
    return render(
        request,
        "learning/refused.html",
        {"lesson": lesson, "course": lesson.module.course, "message": message},
        status=status,
    )


@require_POST
def lesson_mark(request, slug: str, lesson_id: int, completed: bool):
    lesson = _lesson_or_404(request, slug, lesson_id)
    service = lesson_complete if completed else lesson_incomplete
    try:
        enrollment = service(user=request.user, lesson=lesson)
    except ProgressNotAllowed as refusal:
        return _refuse(request, lesson, str(refusal))
    if completed:
        messages.success(
            request, f"“{lesson.title}” is complete. You are {enrollment.progress_percent}% through."
        )
        if request.POST.get("then") == "next":  # "Complete and continue"
            step = next_step_get(user=request.user, lesson=lesson)
            if step.kind == "opens_later":  # drip: the course page, saying when
                opens_on = date_format(timezone.localtime(step.opens_at), "j F Y")
                messages.info(request, f"The next module, “{step.title}”, opens on {opens_on}.")
            return redirect(step.url)
    else:
        messages.info(request, f"“{lesson.title}” is marked not complete.")
    return redirect(lesson)


def _quiz_lesson_or_404(request, slug: str, lesson_id: int, *, courses: QuerySet | None = None) -> Lesson:
    lesson = _lesson_or_404(request, slug, lesson_id, courses=courses)
    if lesson.kind != Lesson.Kind.QUIZ or not hasattr(lesson, "quiz"):
        raise Http404("This lesson has no quiz")
    lesson.quiz.lesson = lesson  # reuse the loaded module and course
    return lesson


@require_POST
def quiz_start(request, slug: str, lesson_id: int):
    lesson = _quiz_lesson_or_404(request, slug, lesson_id)
    try:
        attempt = quiz_attempt_start(user=request.user, quiz=lesson.quiz)
    except (ProgressNotAllowed, QuizNotAvailable) as refusal:
        return _refuse(request, lesson, str(refusal))
    return redirect("learning:quiz_attempt", slug=slug, lesson_id=lesson.pk, attempt_id=attempt.pk)


def _attempt_or_404(request, slug: str, lesson_id: int, attempt_id: int) -> QuizAttempt:
    if not request.user.is_authenticated:
        raise Http404("No such attempt")
    # Fetched through the student: another student's attempt id is a 404.
    attempt = get_object_or_404(
        QuizAttempt.objects.select_related("quiz__lesson__module__course", "user"),
        pk=attempt_id,
        user=request.user,
        quiz__lesson_id=lesson_id,
        quiz__lesson__module__course__slug=slug,
    )
    return attempt


@user_page_cached(course_own_page_versions)  # answers and submitting are the student's own writes
@never_cache
@require_safe
def quiz_attempt(request, slug: str, lesson_id: int, attempt_id: int):
    attempt = _attempt_or_404(request, slug, lesson_id, attempt_id)
    if refusal := lesson_refusal(request, attempt.quiz.lesson):
        return refusal
    if attempt.is_submitted:
        return redirect("learning:quiz_result", slug=slug, lesson_id=lesson_id, attempt_id=attempt.pk)
    quiz = attempt.quiz
    return render(
        request,
        "learning/quiz_take.html",
        {
            "attempt": attempt,
            "quiz": quiz,
            "lesson": quiz.lesson,
            "course": quiz.lesson.module.course,
            "questions": attempt_questions_for_display(attempt=attempt),
            "deadline": attempt_deadline(attempt=attempt, quiz=quiz),
            "preview": False,
        },
    )


@require_POST
def quiz_submit(request, slug: str, lesson_id: int, attempt_id: int):
    attempt = _attempt_or_404(request, slug, lesson_id, attempt_id)
    if refusal := lesson_refusal(request, attempt.quiz.lesson):
        return refusal
    try:
        attempt = quiz_attempt_submit(attempt=attempt, data=request.POST)
    except InvalidAnswer:
        return _refuse(
            request,
            attempt.quiz.lesson,
            "The answers do not match the quiz (a choice of another question, or several "
            "answers to a one-answer question). Go back to the quiz and answer again.",
            status=400,
        )
    except ProgressNotAllowed as refusal:
        return _refuse(request, attempt.quiz.lesson, str(refusal))
    return redirect("learning:quiz_result", slug=slug, lesson_id=lesson_id, attempt_id=attempt.pk)


@require_safe
def quiz_result(request, slug: str, lesson_id: int, attempt_id: int):
    attempt = _attempt_or_404(request, slug, lesson_id, attempt_id)
    if refusal := lesson_refusal(request, attempt.quiz.lesson):
        return refusal
    if not attempt.is_submitted:
        return redirect("learning:quiz_attempt", slug=slug, lesson_id=lesson_id, attempt_id=attempt.pk)
    result = quiz_result_get(attempt=attempt)
    lesson = attempt.quiz.lesson
    # Passed (now or before): the lesson is done, the student moves on.
    next_step = next_step_get(user=request.user, lesson=lesson) if result.summary.passed else None
    return render(
        request,
        "learning/quiz_result.html",
        {
            "result": result,
            "attempt": attempt,
            "lesson": lesson,
            "course": result.course,
            "next_step": next_step,
        },
    )


@require_safe
def quiz_preview(request, slug: str, lesson_id: int):
    """The quiz as students see it, for the course's authors; nothing is recorded."""
    # Fetched through the author's courses: to anyone else the quiz does not exist.
    lesson = _quiz_lesson_or_404(request, slug, lesson_id, courses=policies.courses_editable_by(request.user))
    course = lesson.module.course
    return render(
        request,
        "learning/quiz_take.html",
        {
            "quiz": lesson.quiz,
            "lesson": lesson,
            "course": course,
            "questions": quiz_questions_for_display(quiz=lesson.quiz),
            "preview": True,
        },
    )


@require_POST
def assignment_submit(request, slug: str, lesson_id: int):
    lesson = _lesson_or_404(request, slug, lesson_id)
    if lesson.kind != Lesson.Kind.ASSIGNMENT:
        raise Http404("This lesson is not an assignment")
    form = SubmissionForm(request.POST, request.FILES)
    if not form.is_valid():
        return _submission_form_page(request, lesson, form)
    try:
        submission_submit(
            user=request.user,
            lesson=lesson,
            text=form.cleaned_data["text"],
            file=form.cleaned_data["file"],
            file_type=form.file_type,
        )
    except SubmissionNotAllowed as refusal:
        form.add_error(None, str(refusal))
        return _submission_form_page(request, lesson, form)
    except ProgressNotAllowed as refusal:
        return _refuse(request, lesson, str(refusal))
    messages.success(request, "Your work is sent. Your instructor will review it.")
    return redirect(f"{lesson.get_absolute_url()}#assignment")


def _submission_form_page(request, lesson: Lesson, form: SubmissionForm):
    """The lesson page again, its form showing the errors beside the student's
    text (a file must be chosen again: browsers never refill a file input)."""
    page = lesson_page_get(slug=lesson.module.course.slug, lesson_id=lesson.pk, viewer=request.user)
    if page is None or not page.is_enrolled:
        return _refuse(request, lesson, "Only students enrolled in this course can send work.")
    return lesson_page_render(request, page, submission_form=form, status=400)


@never_cache
@require_safe
def submission_file(request, submission_id: int):
    """A submitted file, for its student, the course's instructor and superusers.
    Anyone else gets the same 404 as for an id that does not exist; a student
    who may no longer open the lesson (access revoked) gets the lesson's answer."""
    submission = get_object_or_404(
        submissions_visible_to(request.user).exclude(file="").select_related("lesson__module__course"),
        pk=submission_id,
    )
    if refusal := lesson_refusal(request, submission.lesson):
        return refusal
    try:
        opened = submission.file.open("rb")
    except FileNotFoundError:
        logger.error("Submission %s: file %s is missing from storage", submission.pk, submission.file.name)
        raise Http404("No such file") from None
    response = FileResponse(
        opened,
        as_attachment=True,
        filename=submission.file_name or None,
        content_type=submission.file_content_type or "application/octet-stream",
    )
    # Never rendered by the browser, whatever the settings' middleware does.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
