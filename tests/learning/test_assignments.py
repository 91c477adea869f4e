"""Assignments: submit text and/or a file (10 MB; pdf, docx, odt, txt, zip,
png, jpg; checked by content), resubmit until reviewed, private downloads,
review in the admin with a notification and completion on a pass."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import Lesson
from learning.models import LessonProgress, Submission
from learning.uploads import MAX_UPLOAD_BYTES
from notifications.models import Notification
from tests.factories import (
    EnrollmentFactory,
    InstructorFactory,
    LessonFactory,
    SuperuserFactory,
    UserFactory,
    course_with_curriculum,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ODT = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
ZIP = zip_bytes({"notes.md": b"# notes"})


@pytest.fixture
def assignment():
    course = course_with_curriculum(modules=1, lessons_per_module=1)
    lesson = LessonFactory(
        module=course.modules.get(),
        kind=Lesson.Kind.ASSIGNMENT,
        title="Build it",
        content="Write **a** parser.",
    )
    return lesson


@pytest.fixture
def student_client(client, assignment):
    enrollment = EnrollmentFactory(course=assignment.module.course)
    client.force_login(enrollment.user)
    client.enrollment = enrollment
    return client


def submit_url(lesson) -> str:
    return reverse("learning:assignment_submit", args=[lesson.module.course.slug, lesson.pk])


def file_url(submission) -> str:
    return reverse("learning:submission_file", args=[submission.pk])


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_the_lesson_page_shows_instructions_and_the_form(student_client, assignment):
    html = student_client.get(assignment.get_absolute_url()).content.decode()
    assert "Write <strong>a</strong> parser." in html
    assert f'action="{submit_url(assignment)}#assignment"' in html and 'enctype="multipart/form-data"' in html
    assert 'name="text"' in html and 'name="file"' in html and "Submit assignment" in html


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("essay.pdf", PDF),
        ("essay.docx", DOCX),
        ("essay.odt", ODT),
        ("essay.txt", "Plain text, naïve café.".encode()),
        ("code.zip", ZIP),
        ("diagram.png", PNG),
        ("photo.jpg", JPG),
        ("photo.JPEG", JPG),
    ],
)
def test_each_allowed_type_is_accepted(student_client, assignment, name, content):
    response = student_client.post(submit_url(assignment), {"text": "", "file": upload(name, content)})
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.file_name == name and submission.file_size == len(content)
    assert submission.file.read() == content
    assert not submission.file.name.startswith("/")
    assert name not in submission.file.name.split("/")[1]  # an unguessable directory


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("virus.exe", b"MZ\x90\x00", "one of these types"),
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 20, "not a pdf"),
        ("fake.png", PDF, "not a png"),
        ("fake.docx", ZIP, "not a docx"),
        ("fake.odt", DOCX, "not a odt"),
        ("fake.zip", b"PK\x03\x04 broken archive", "not a zip"),
        ("binary.txt", b"\x00\x01\x02\xff", "not a txt"),
        ("page.html", b"<script>alert(1)</script>", "one of these types"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_a_file_whose_content_or_name_is_wrong_is_refused(student_client, assignment, name, content, why):
    response = student_client.post(submit_url(assignment), {"file": upload(name, content, "application/pdf")})
    assert response.status_code == 400
    assert why in response.content.decode()
    assert not Submission.objects.exists()


def test_files_over_10_mb_are_refused_and_10_mb_is_accepted(student_client, assignment):
    too_big = b"a" * (MAX_UPLOAD_BYTES + 1)
    response = student_client.post(submit_url(assignment), {"file": upload("big.txt", too_big)})
    assert response.status_code == 400
    assert "larger than 10 MB" in response.content.decode()
    assert not Submission.objects.exists()

    just_right = b"a" * MAX_UPLOAD_BYTES
    response = student_client.post(submit_url(assignment), {"file": upload("big.txt", just_right)})
    assert response.status_code == 302
    assert Submission.objects.get().file_size == MAX_UPLOAD_BYTES


@pytest.mark.parametrize(
    ("sent_as", "shown_as"),
    [
        ("é" * 250 + ".pdf", "é" * 250 + ".pdf"),  # 254 characters, 504 bytes: too long for a file system
        ("a" * 296 + ".pdf", "a" * 251 + ".pdf"),  # Django keeps 255 characters and the extension
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\boot.pdf", "boot.pdf"),
        ("a/b/c.pdf", "c.pdf"),
    ],
)
def test_long_or_path_like_file_names_are_stored_under_a_safe_name(
    student_client, assignment, sent_as, shown_as
):
    response = student_client.post(submit_url(assignment), {"file": upload(sent_as, PDF)})
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.file_name == shown_as  # what the student called it, for the download
    top, _directory, stored = submission.file.name.split("/")
    assert top == "submissions" and len(stored.encode()) <= 32 and stored.endswith(".pdf")
    download = student_client.get(file_url(submission))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_the_clear_checkbox_of_the_file_input_is_not_a_file(student_client, assignment):
    # ClearableFileInput turns "file-clear" into False, which is not a file.
    response = student_client.post(submit_url(assignment), {"text": "", "file-clear": "on"})
    assert response.status_code == 400
    assert "Write an answer or attach a file." in response.content.decode()
    assert not Submission.objects.exists()
    response = student_client.post(submit_url(assignment), {"text": "Hello", "file-clear": "on"})
    assert response.status_code == 302
    assert not Submission.objects.get().file


def test_an_empty_submission_is_refused(student_client, assignment):
    response = student_client.post(submit_url(assignment), {"text": "   "})
    assert response.status_code == 400
    assert "Write an answer or attach a file." in response.content.decode()
    assert not Submission.objects.exists()


@pytest.mark.parametrize("viewer", ["anonymous", "not_enrolled", "instructor"])
def test_only_enrolled_students_submit(client, assignment, viewer):
    if viewer == "not_enrolled":
        client.force_login(UserFactory())
    elif viewer == "instructor":
        client.force_login(assignment.module.course.instructor)
    response = client.post(submit_url(assignment), {"text": "Hello"})
    assert response.status_code == 403
    assert not Submission.objects.exists()


def test_resubmitting_before_review_replaces_the_work_and_its_file(student_client, assignment, settings):
    student_client.post(submit_url(assignment), {"text": "First", "file": upload("a.txt", b"first")})
    first = Submission.objects.get()
    old_path = first.file.path
    with pytest.MonkeyPatch.context():
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            student_client.post(
                submit_url(assignment), {"text": "Second", "file": upload("b.txt", b"second")}
            )
    submission = Submission.objects.get()
    assert submission.pk == first.pk
    assert (submission.text, submission.file_name, submission.file.read()) == ("Second", "b.txt", b"second")
    import os

    assert not os.path.exists(old_path)  # the replaced file is removed


def review(client, submission, decision, feedback=""):
    url = reverse("admin:learning_submission_change", args=[submission.pk])
    return client.post(url, {"status": decision, "feedback": feedback})


def test_needs_work_then_resubmit_then_pass_completes_the_lesson(client, student_client, assignment):
    student = student_client.enrollment.user
    student_client.post(submit_url(assignment), {"text": "Draft"})
    submission = Submission.objects.get()

    teacher = Client_for(assignment.module.course.instructor)
    assert review(teacher, submission, "needs_work", "Add tests.").status_code == 302
    submission.refresh_from_db()
    assert submission.status == "needs_work" and submission.reviewed_at is not None
    note = Notification.objects.get(user=student, kind=Notification.Kind.REVIEW)
    assert "needs more work" in note.message and "Add tests." in note.message
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()

    html = student_client.get(assignment.get_absolute_url()).content.decode()
    assert "Needs work" in html and "Add tests." in html and "Submit assignment" in html
    student_client.post(submit_url(assignment), {"text": "With tests"})
    assert Submission.objects.count() == 2
    newest = Submission.objects.get(status="submitted")

    assert review(teacher, newest, "passed", "Great.").status_code == 302
    assert LessonProgress.objects.get(user=student, lesson=assignment).is_completed
    student_client.enrollment.refresh_from_db()
    assert student_client.enrollment.progress_percent == 50
    assert Notification.objects.filter(user=student, kind=Notification.Kind.REVIEW).count() == 2

    response = student_client.post(submit_url(assignment), {"text": "More"})
    assert response.status_code == 400
    assert "passed review" in response.content.decode()


def Client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


# --- private files ---------------------------------------------------------------------------------


@pytest.fixture
def submitted(student_client, assignment):
    student_client.post(submit_url(assignment), {"file": upload("secret.pdf", PDF)})
    return Submission.objects.get()


@pytest.mark.parametrize("who", ["owner", "instructor", "superuser"])
def test_the_file_is_served_to_its_student_the_instructor_and_superusers(client, submitted, who):
    user = {
        "owner": submitted.user,
        "instructor": submitted.lesson.module.course.instructor,
        "superuser": SuperuserFactory(),
    }[who]
    client.force_login(user)
    response = client.get(file_url(submitted))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="secret.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]


def test_the_download_is_never_sniffed_whatever_the_settings(submitted, settings):
    settings.SECURE_CONTENT_TYPE_NOSNIFF = False  # the view does not lean on the middleware
    client = Client_for(submitted.user)  # a new client loads the middleware with this setting
    response = client.get(file_url(submitted))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_file_missing_from_storage_is_a_404_not_a_500(client, submitted, caplog):
    submitted.file.storage.delete(submitted.file.name)
    client.force_login(submitted.user)
    response = client.get(file_url(submitted))
    assert response.status_code == 404
    assert "missing from storage" in caplog.text  # logged for whoever runs the site


@pytest.mark.parametrize("who", ["anonymous", "another_student", "classmate", "other_instructor"])
def test_the_file_is_a_404_for_everyone_else(client, submitted, who):
    client.logout()  # `submitted` was sent through this client by its student
    if who == "another_student":
        client.force_login(UserFactory())
    elif who == "classmate":
        client.force_login(EnrollmentFactory(course=submitted.lesson.module.course).user)
    elif who == "other_instructor":
        client.force_login(InstructorFactory())
    response = client.get(file_url(submitted))
    assert response.status_code == 404
    assert PDF not in response.content


def test_files_are_not_reachable_under_a_media_url(client, submitted, settings):
    client.force_login(submitted.user)
    assert client.get("/media/" + submitted.file.name).status_code == 404
    assert client.get("/" + submitted.file.name).status_code == 404


def test_the_lesson_page_links_the_file_through_the_private_view(student_client, submitted):
    html = student_client.get(submitted.lesson.get_absolute_url()).content.decode()
    assert file_url(submitted) in html
    assert submitted.file.name not in html
    assert "Replace submission" in html
