"""`seed_demo` posts lesson Q&A and sends an announcement through the services
students and instructors use; a second run changes nothing, what people
changed on the site since is kept, and the loader refuses the mistakes a data
file can make about them, naming the entry."""

import uuid

import pytest
from django.core.management import CommandError

from community.announcements.models import Announcement
from community.discussions.models import Question, Reply
from community.discussions.services import post_edit, question_post
from courses.models import Lesson
from demo.catalogue import CatalogueError, catalogue_load
from enrollments.models import Enrollment
from lms.models import User
from notifications.models import EmailDelivery, Notification
from tests.demo.conftest import broken_catalogue, row_counts, seed

pytestmark = pytest.mark.django_db

MAYA = "maya@doctrina.example"
ANSWERED = "makemigrations says “No changes detected”"
STUDENT_REPLIED = "Activating the virtual environment on Windows"
NO_REPLY = "Is it wrong to skip from h2 to h4 for the smaller font?"
ANNOUNCED = "New lesson next week: accessible modal dialogs"
A11Y = "web-accessibility-in-practice"
DATA_PRIYA = f"catalogue.toml > discussions[1] ({ANSWERED!r} on django-for-beginners)"


def thread(title: str) -> tuple[Question, list[tuple[str, str]]]:
    """The question and its replies as (author's e-mail, first words)."""
    question = Question.objects.select_related("author", "lesson__module__course").get(title=title)
    replies = [(reply.author.email, reply.body[:20]) for reply in question.replies.select_related("author")]
    return question, replies


def test_the_threads_are_posted_by_their_authors_on_their_lessons():
    output = seed()

    assert Question.objects.count() == 3
    question, replies = thread(ANSWERED)
    assert (question.author.email, question.lesson.title) == ("priya@doctrina.example", "Your first model")
    assert question.lesson.module.course.slug == "django-for-beginners"
    assert replies == [
        ("marcus@doctrina.example", "That happened to me "),
        (MAYA, "Marcus is right: Dja"),
        ("priya@doctrina.example", "That was it, thank y"),
    ]
    question, replies = thread(STUDENT_REPLIED)
    assert (question.author.email, replies) == (
        "aiko@doctrina.example",
        [("sam@doctrina.example", "You do. On Windows t")],
    )
    question, replies = thread(NO_REPLY)
    assert (question.author.email, question.lesson.module.course.slug, replies) == (
        "elena@doctrina.example",
        A11Y,
        [],
    )
    # Posted through the services: each told whom the site tells, once.
    told = Notification.objects.filter(kind=Notification.Kind.QUESTION, user__email=MAYA)
    assert sorted(told.values_list("title", flat=True)) == sorted(
        [
            f"Priya N. asked about “Your first model”: {ANSWERED}",
            f"Aiko T. asked about “Setting up your environment”: {STUDENT_REPLIED}",
            f"Elena P. asked about “Landmarks and headings”: {NO_REPLY}",
        ]
    )
    replied = Notification.objects.filter(kind=Notification.Kind.DISCUSSION_REPLY)
    assert sorted(replied.values_list("user__email", "title")) == [
        ("aiko@doctrina.example", f"Sam R. replied to “{STUDENT_REPLIED}”"),
        ("marcus@doctrina.example", f"Maya Okafor replied to “{ANSWERED}”"),
        ("marcus@doctrina.example", f"Priya N. replied to “{ANSWERED}”"),
        (MAYA, f"Priya N. replied to “{ANSWERED}”"),
        ("priya@doctrina.example", f"Marcus J. replied to “{ANSWERED}”"),
        ("priya@doctrina.example", f"Maya Okafor replied to “{ANSWERED}”"),
    ]
    assert f"priya@doctrina.example asked about django-for-beginners / Your first model: {ANSWERED}" in output
    assert f"sam@doctrina.example replied to {STUDENT_REPLIED!r}" in output


def test_the_asker_accepted_the_instructors_reply_and_the_instructor_has_questions_waiting(client):
    output = seed()

    accepted = Reply.objects.select_related("author", "question").get(accepted_at__isnull=False)
    assert (accepted.question.title, accepted.author.email) == (ANSWERED, MAYA)
    notice = Notification.objects.get(kind=Notification.Kind.ANSWER_ACCEPTED)
    assert (notice.user.email, notice.title) == (
        MAYA,
        f"Your reply was accepted as the answer to “{ANSWERED}”",
    )
    assert f"priya@doctrina.example accepted the reply by {MAYA} to {ANSWERED!r}" in output

    client.force_login(User.objects.get(email=MAYA))
    page = client.get("/community/unanswered/").content.decode()
    # A reply by a student is not an answer until it is accepted; none at all, still waiting.
    assert STUDENT_REPLIED in page
    assert NO_REPLY in page
    assert "No changes detected" not in page


def test_the_announcement_reached_every_enrolled_student_once(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        output = seed()
    with django_capture_on_commit_callbacks(execute=True):
        seed()

    announcement = Announcement.objects.select_related("author").get()
    students = set(
        Enrollment.objects.active().filter(course__slug=A11Y).values_list("user__email", flat=True)
    )
    assert students == {"sam@doctrina.example", "tom@doctrina.example", "elena@doctrina.example"}
    assert (announcement.course.slug, announcement.author.email, announcement.recipients) == (A11Y, MAYA, 3)
    assert announcement.title == ANNOUNCED
    told = Notification.objects.filter(kind=Notification.Kind.ANNOUNCEMENT)
    assert sorted(told.values_list("user__email", flat=True)) == sorted(students)
    assert told.first().url == announcement.get_absolute_url()
    deliveries = EmailDelivery.objects.filter(event__key=f"announcement:{announcement.pk}")
    assert sorted(deliveries.values_list("user__email", "status")) == sorted(
        (email, EmailDelivery.Status.SENT) for email in students
    )
    sent = [message.to[0] for message in mailoutbox if ANNOUNCED in message.subject]
    assert sorted(sent) == sorted(students)
    assert f"{MAYA} announced {ANNOUNCED!r} to {A11Y}: 3 students told" in output


def test_a_second_run_posts_nothing_even_after_the_authors_edited_their_posts():
    seed()
    question = Question.objects.select_related("lesson__module__course").get(title=ANSWERED)
    post_edit(post=question, editor=question.author, title="makemigrations finds no changes", body="Edited.")
    reply = Reply.objects.select_related("question").get(body__startswith="You do. On Windows")
    post_edit(post=reply, editor=reply.author, body="You do: use .venv\\Scripts\\Activate.ps1")
    counts = row_counts()

    output = seed()

    # The file's text is no longer in the database, but each post's form token is.
    assert row_counts() == counts
    assert "Demo data already present: nothing changed." in output


def test_an_answer_accepted_on_the_site_since_is_kept():
    seed()
    question = Question.objects.get(title=ANSWERED)
    Reply.objects.filter(question=question).update(accepted_at=None)
    marcus = Reply.objects.get(question=question, author__email="marcus@doctrina.example")
    Reply.objects.filter(pk=marcus.pk).update(accepted_at=question.created_at)

    seed()

    assert list(Reply.objects.filter(accepted_at__isnull=False)) == [marcus]


def test_the_seed_stops_and_says_why_when_a_student_is_over_the_rate_limit(settings):
    """The file keeps each student within the limit; posts they made on the
    site in the same window count too, and then nothing is written."""
    settings.DISCUSSION_POSTS_PER_WINDOW = 3  # Priya posts 2 in the file
    seed()
    Question.objects.all().delete()  # a demo database from before lesson Q&A…
    priya = User.objects.get(email="priya@doctrina.example")
    lesson = Lesson.objects.select_related("module__course").get(title="Your first model")
    for title in ("What is a migration?", "Where do migrations live?"):  # …where Priya just asked twice
        question_post(author=priya, lesson=lesson, title=title, body="…", token=uuid.uuid4())

    with pytest.raises(CommandError) as error:
        seed()

    message = str(error.value)
    assert message.startswith(f"Stopped: priya@doctrina.example's reply to {ANSWERED!r} was refused:")
    assert "You have posted 3 times in the last 10 minutes" in message
    assert "DISCUSSION_POSTS_PER_WINDOW" in message
    assert message.endswith("Nothing was written.")
    assert list(Question.objects.values_list("title", flat=True)) == [
        "Where do migrations live?", "What is a migration?",
    ]  # fmt: skip


# --- the data file ----------------------------------------------------------------------------------


def test_the_data_file_has_threads_and_an_announcement():
    catalogue = catalogue_load()
    assert len(catalogue.discussions) == 3
    assert [d.accepted_reply for d in catalogue.discussions] == [2, 0, 0]
    assert catalogue.discussions[0].accepted.author == MAYA
    assert [(a.course, a.author) for a in catalogue.announcements] == [(A11Y, MAYA)]


REPLIES = "replies[3]"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("accepted_reply = 2", "accepted_replies = 2", f"{DATA_PRIYA}: unknown key 'accepted_replies'"),
        ('lesson = "Your first model"\n', "", f"{DATA_PRIYA}: missing key 'lesson'"),
        ("accepted_reply = 2", 'accepted_reply = "2"', "'accepted_reply' must be an integer"),
        (
            'author = "priya@doctrina.example"\ntitle',
            'author = "tom@doctrina.example"\ntitle',
            f"{DATA_PRIYA}: 'tom@doctrina.example' may not post in 'django-for-beginners': neither a "
            "student enrolled in it (see its 'enrolled_in') nor its instructor",
        ),
        (
            'author = "marcus@doctrina.example"',
            'author = "lukas@doctrina.example"',
            f"{DATA_PRIYA} > replies[1]: 'lukas@doctrina.example' may not post in 'django-for-beginners'",
        ),
        (
            'lesson = "Your first model"',
            'lesson = "Landmarks and headings"',
            f"{DATA_PRIYA}: lesson 'Models and the admin' > 'Landmarks and headings' is not in "
            "'django-for-beginners'",
        ),
        (
            'course = "django-for-beginners"\nmodule',
            'course = "django-for-experts"\nmodule',
            "discussions[1] ('makemigrations says “No changes detected”' on django-for-experts): "
            "course 'django-for-experts' is no course here",
        ),
        (
            "accepted_reply = 2",
            "accepted_reply = 4",
            f"{DATA_PRIYA}: accepted_reply 4 is no reply of this question (it has 3: number them from 1)",
        ),
        (
            'module = "Getting started"\nlesson = "Setting up your environment"\n'
            'author = "aiko@doctrina.example"\ntitle = "Activating the virtual environment on Windows"',
            'module = "Models and the admin"\nlesson = "Your first model"\n'
            f'author = "aiko@doctrina.example"\ntitle = "{ANSWERED}"',
            f"catalogue.toml: question '{ANSWERED} on django-for-beginners > Models and the admin > "
            "Your first model' appears twice",
        ),
        (
            'author = "priya@doctrina.example"\nbody = "That was it',
            'author = "marcus@doctrina.example"\nbody = "That happened to me too. Is `reading` in '
            '`INSTALLED_APPS` in your settings?"\n# body = "That was it',
            f"{DATA_PRIYA} > {REPLIES}: the same reply by marcus@doctrina.example appears twice",
        ),
        (
            'author = "maya@doctrina.example"\ntitle = "New lesson',
            'author = "lukas@doctrina.example"\ntitle = "New lesson',
            f"catalogue.toml > announcements[1] ({ANNOUNCED!r} on {A11Y}): 'lukas@doctrina.example' may "
            f"not announce to {A11Y!r}: only its instructor (maya@doctrina.example) does",
        ),
        (
            "[[announcements]]\n",
            f'[[announcements]]\ncourse = "{A11Y}"\nauthor = "maya@doctrina.example"\n'
            f'title = "{ANNOUNCED}"\nbody = "Twice."\n\n[[announcements]]\n',
            f"catalogue.toml: announcement '{ANNOUNCED} to {A11Y}' appears twice",
        ),
    ],
)
def test_a_mistake_in_the_discussions_or_announcements_is_refused_naming_the_entry(
    tmp_path, old, new, message
):
    with pytest.raises(CatalogueError) as error:
        catalogue_load(broken_catalogue(tmp_path, old, new, after="\n[[discussions]]\n"))
    assert message in str(error.value)


def test_a_file_over_the_rate_limit_is_refused_before_anything_is_written(settings, monkeypatch):
    settings.DISCUSSION_POSTS_PER_WINDOW = 1
    with pytest.raises(CatalogueError) as error:
        catalogue_load()
    assert str(error.value) == (
        "catalogue.toml: priya@doctrina.example posts 2 questions and replies, more than a student may"
        " in 10 minutes (DISCUSSION_POSTS_PER_WINDOW = 1)"
    )
    with pytest.raises(CommandError, match=r"priya@doctrina\.example posts 2 questions and replies"):
        seed()
    assert not User.objects.exists()
