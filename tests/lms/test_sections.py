"""Page slots (lms/sections.py): an app above or beside the page's host adds a
section to it without the host importing the app."""

import copy

import pytest

from lms import sections
from tests.factories import EnrollmentFactory, course_with_curriculum

pytestmark = pytest.mark.django_db


@pytest.fixture
def section_templates(settings, tmp_path, monkeypatch):
    """A template directory for test sections, and the registry restored afterwards."""
    monkeypatch.setattr(sections, "_sections", copy.deepcopy(sections._sections))
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], tmp_path]
    settings.TEMPLATES = templates
    return tmp_path


def test_a_registered_section_renders_in_its_slot_with_its_own_context(client, section_templates):
    (section_templates / "probe.html").write_text(
        '<section data-testid="probe">{{ greeting }} on {{ course.title }} for {{ user.email }}</section>'
    )
    seen = []

    def context(page_context):
        seen.append(page_context["page"].is_enrolled)
        return {"greeting": "Hello"}

    sections.section_register("course_page.main", template="probe.html", context=context)
    enrollment = EnrollmentFactory(course=course_with_curriculum())
    client.force_login(enrollment.user)

    html = client.get(enrollment.course.get_absolute_url()).content.decode()

    course, email = enrollment.course.title, enrollment.user.email
    assert f'<section data-testid="probe">Hello on {course} for {email}</section>' in html
    assert seen == [True]  # the section saw the host's page object


def test_a_section_whose_context_is_none_stays_out_of_the_page(client, section_templates):
    (section_templates / "probe.html").write_text('<section data-testid="probe"></section>')
    sections.section_register("lesson_page.main", template="probe.html", context=lambda page_context: None)
    course = course_with_curriculum()
    preview = course.modules.first().lessons.get(is_preview=True)

    html = client.get(preview.get_absolute_url()).content.decode()

    assert "Secret content 1.1" in html
    assert 'data-testid="probe"' not in html


def test_sections_render_in_their_order(client, section_templates):
    for name in ("late", "early"):
        (section_templates / f"{name}.html").write_text(f"<p>section {name}</p>")
    sections.section_register("course_page.main", template="late.html", order=20)
    sections.section_register("course_page.main", template="early.html", order=10)

    html = client.get(course_with_curriculum().get_absolute_url()).content.decode()

    assert html.index("section early") < html.index("section late")


def test_registering_for_a_slot_that_does_not_exist_fails_at_once():
    with pytest.raises(LookupError, match=r"course_page\.sidebar"):
        sections.section_register("course_page.sidebar", template="x.html")
