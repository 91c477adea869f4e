"""The discussion pages: a lesson's questions (and asking one), a question
with its replies (and replying), editing one's own post, accepting an answer,
hiding and showing a post, and the instructor's unanswered questions.

Every page fetches through the viewer (`policies.*_readable_by`,
`lessons_discussable_by`): someone who may not read a course's discussions
gets the same 404 as for a lesson they may not open. The anonymous are sent
to log in first, before anything is looked up, so that the link in a
notification e-mail works and nothing is told about what exists."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from community.discussions import selectors, services
from community.discussions.forms import HideForm, QuestionEditForm, QuestionForm, ReplyEditForm, ReplyForm
from community.discussions.models import Reply
from community.discussions.policies import can_moderate, discussion_closed_until
from courses.policies import is_course_author

PAGE_SIZE = 10


def _logged_in(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def _not_open(request, lesson):
    """The lesson's 403 "opens on …" page while its module is not open to the
    student yet (drip): its questions wait with it. None when it is open."""
    opens_at = discussion_closed_until(request.user, lesson)
    if opens_at is None:
        return None
    context = {"course": lesson.module.course, "lesson": lesson, "opens_at": opens_at}
    return render(request, "learning/lesson_not_open.html", context, status=403)


def _questions_page(request, lesson, form, *, status: int = 200):
    course = lesson.module.course
    page = Paginator(selectors.lesson_questions(lesson=lesson), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "course": course,
        "lesson": lesson,
        "page": page,
        "form": form,
        "can_moderate": can_moderate(request.user, course),
    }
    return render(request, "community/discussions/questions.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@_logged_in
def lesson_questions(request, slug: str, lesson_id: int):
    lesson = selectors.lesson_get_discussable(slug=slug, lesson_id=lesson_id, viewer=request.user)
    if lesson is None:
        raise Http404("No such lesson")
    if refusal := _not_open(request, lesson):
        return refusal
    if request.method != "POST":
        return _questions_page(request, lesson, QuestionForm.with_token())
    form = QuestionForm(request.POST)
    if not form.is_valid():
        return _questions_page(request, lesson, form, status=400)
    try:
        posted = services.question_post(author=request.user, lesson=lesson, **form.cleaned_data)
    except services.RateLimited as refusal:
        form.add_error(None, str(refusal))
        return _questions_page(request, lesson, form, status=429)
    if posted.created:
        messages.success(request, "Your question is posted. You will be told when someone replies.")
    return redirect(posted.post)


def _question_page(request, slug: str, question_id: int):
    page = selectors.question_page_get(
        slug=slug, question_id=question_id, viewer=request.user, now=timezone.now()
    )
    if page is None:
        raise Http404("No such question")
    return page


def _question_render(request, page, *, reply_form=None, status: int = 200):
    context = {
        "page": page,
        "course": page.course,
        "lesson": page.lesson,
        "question": page.question,
        "reply_form": reply_form or ReplyForm.with_token(),
    }
    return render(request, "community/discussions/question.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@_logged_in
def question_detail(request, slug: str, question_id: int):
    page = _question_page(request, slug, question_id)
    if refusal := _not_open(request, page.lesson):
        return refusal
    if request.method != "POST":
        return _question_render(request, page)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _question_render(request, page, reply_form=form, status=400)
    try:
        posted = services.reply_post(author=request.user, question=page.question, **form.cleaned_data)
    except services.DiscussionRefused as refusal:
        form.add_error(None, str(refusal))
        status = 429 if isinstance(refusal, services.RateLimited) else 403
        return _question_render(request, page, reply_form=form, status=status)
    if posted.created:
        messages.success(request, "Your reply is posted.")
    return redirect(posted.post.get_absolute_url())


def _post_of(page, reply_id: int | None):
    if reply_id is None:
        return page.question
    post = next((reply for reply in page.replies if reply.pk == reply_id), None)
    if post is None:
        raise Http404("No such reply")
    return post


@require_http_methods(["GET", "HEAD", "POST"])
@_logged_in
def post_edit(request, slug: str, question_id: int, reply_id: int | None = None):
    page = _question_page(request, slug, question_id)
    if refusal := _not_open(request, page.lesson):
        return refusal
    post = _post_of(page, reply_id)
    if post.author_id != request.user.pk:
        raise Http404("No such post of yours")
    form_class = ReplyEditForm if isinstance(post, Reply) else QuestionEditForm
    initial = {name: getattr(post, name) for name in form_class.base_fields}
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    refusal = None if post.is_mine_editable else services.EDIT_CLOSED
    status = 403 if refusal else 200
    if request.method == "POST" and not refusal:
        if not form.is_valid():
            status = 400
        else:
            try:
                services.post_edit(post=post, editor=request.user, **form.cleaned_data)
            except services.DiscussionRefused as error:
                refusal, status = str(error), 403
            else:
                messages.success(request, "Your changes are saved.")
                return redirect(post.get_absolute_url())
    kind = "reply" if isinstance(post, Reply) else "question"
    context = {"course": page.course, "post": post, "kind": kind, "form": form, "refusal": refusal}
    return render(request, "community/discussions/edit.html", context, status=status)


@require_POST
@_logged_in
def answer_accept(request, slug: str, question_id: int):
    page = _question_page(request, slug, question_id)
    if refusal := _not_open(request, page.lesson):
        return refusal
    if not page.can_accept:
        raise PermissionDenied("Only the question's author and the instructor mark its answer.")
    try:
        reply_id = int(request.POST.get("reply", ""))
    except ValueError:
        raise BadRequest("Which reply?") from None
    try:
        reply = services.answer_accept(question=page.question, reply_id=reply_id, by=request.user)
    except Reply.DoesNotExist:
        raise Http404("No such reply") from None
    except services.DiscussionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(page.question)
    messages.success(request, "The answer is marked.")
    return redirect(reply.get_absolute_url())


@require_POST
@_logged_in
def post_hide(request, slug: str, question_id: int, reply_id: int | None = None):
    page = _question_page(request, slug, question_id)
    if not page.can_moderate:
        raise PermissionDenied("Only the instructor and staff hide posts.")
    post = _post_of(page, reply_id)
    form = HideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why it is hidden: its author is told. Nothing was hidden.")
    else:
        services.post_hide(post=post, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, "The post is hidden and its author told why.")
    return redirect(post.get_absolute_url())


@require_POST
@_logged_in
def post_show(request, slug: str, question_id: int, reply_id: int | None = None):
    page = _question_page(request, slug, question_id)
    if not page.can_moderate:
        raise PermissionDenied("Only the instructor and staff show hidden posts.")
    post = _post_of(page, reply_id)
    services.post_show(post=post)
    messages.success(request, "The post is shown again.")
    return redirect(post.get_absolute_url())


@require_safe
@_logged_in
def unanswered(request):
    if not is_course_author(request.user):
        raise Http404("No such page")
    questions = selectors.questions_unanswered_for(user=request.user)
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "community/discussions/unanswered.html", {"page": page})
