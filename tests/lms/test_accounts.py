"""Accounts: making instructors (command and admin action), logging in by
e-mail, signing up through allauth, and the allauth pages in the site's
layout."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from lms.management.commands.make_instructor import Command as MakeInstructor
from lms.models import User
from lms.services import INSTRUCTORS_GROUP, instructors_group_sync, user_make_instructor
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

COURSE_PERMISSIONS = {
    f"courses.{action}_{model}"
    for model in ("course", "module", "lesson")
    for action in ("add", "change", "delete", "view")
}


def assert_is_instructor(user: User) -> None:
    user.refresh_from_db()
    assert user.is_instructor
    assert user.is_staff
    assert not user.is_superuser
    assert user.groups.filter(name=INSTRUCTORS_GROUP).exists()
    # A fresh instance: Django caches permissions per user object.
    fresh = User.objects.get(pk=user.pk)
    assert fresh.get_all_permissions() >= COURSE_PERMISSIONS
    assert "payments.view_purchase" in fresh.get_all_permissions()
    assert not fresh.has_perm("payments.change_purchase")
    assert not fresh.has_perm("lms.change_user")


# --- make_instructor ----------------------------------------------------------------------


def test_make_instructor_command(student, capsys):
    assert not student.is_instructor
    call_command("make_instructor", "student@example.com")
    assert_is_instructor(student)
    assert "student@example.com is now an instructor." in capsys.readouterr().out


def test_make_instructor_command_matches_the_email_case_insensitively(student):
    call_command("make_instructor", "  Student@EXAMPLE.com ")
    assert_is_instructor(student)


def test_make_instructor_command_twice_changes_nothing(student):
    call_command("make_instructor", "student@example.com")
    call_command("make_instructor", "student@example.com")
    assert_is_instructor(student)
    assert student.groups.count() == 1
    assert Group.objects.filter(name=INSTRUCTORS_GROUP).count() == 1


def test_make_instructor_command_with_an_unknown_email_fails_clearly(student):
    with pytest.raises(CommandError, match=r"No user has the e-mail address 'nobody@example\.com'\."):
        call_command("make_instructor", "nobody@example.com")
    student.refresh_from_db()
    assert not student.is_instructor
    assert not User.objects.filter(is_instructor=True).exists()


def test_make_instructor_from_the_shell_exits_non_zero_with_one_line(student, capsys):
    # run_from_argv is what `manage.py make_instructor …` runs: no traceback, status 1.
    with pytest.raises(SystemExit) as exit_info:
        MakeInstructor().run_from_argv(["manage.py", "make_instructor", "nobody@example.com"])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err == "CommandError: No user has the e-mail address 'nobody@example.com'.\n"


def test_make_instructor_admin_action(client, superuser):
    students = UserFactory.create_batch(2)
    bystander = UserFactory()
    client.force_login(superuser)
    response = client.post(
        reverse("admin:lms_user_changelist"),
        {"action": "make_instructor", "_selected_action": [u.pk for u in students]},
        follow=True,
    )
    assert response.status_code == 200
    assert "2 user(s) can now author courses." in response.content.decode()
    for user in students:
        assert_is_instructor(user)
    bystander.refresh_from_db()
    assert not bystander.is_instructor
    assert not bystander.is_staff


def test_make_instructor_action_is_not_offered_to_instructors(client, instructor, student):
    client.force_login(instructor)
    response = client.post(
        reverse("admin:lms_user_changelist"),
        {"action": "make_instructor", "_selected_action": [student.pk]},
    )
    assert response.status_code == 403
    student.refresh_from_db()
    assert not student.is_instructor


def test_a_new_instructor_can_open_the_course_admin(client, student):
    user_make_instructor(user=student)
    client.force_login(student)
    assert client.get(reverse("admin:courses_course_changelist")).status_code == 200
    assert client.get(reverse("admin:courses_course_add")).status_code == 200


# --- logging in ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["student@example.com", "STUDENT@Example.COM", " student@example.com"])
def test_login_by_email_is_case_insensitive(client, student, typed):
    response = client.post(reverse("account_login"), {"login": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("learning:dashboard")
    assert client.session[SESSION_KEY] == str(student.pk)


def test_login_with_a_wrong_password_fails(client, student):
    response = client.post(reverse("account_login"), {"login": student.email, "password": "wrong"})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert "not correct" in response.content.decode()


def test_login_returns_to_next(client, student):
    response = client.post(
        reverse("account_login") + "?next=/courses/",
        {"login": student.email, "password": PASSWORD, "next": "/courses/"},
    )
    assert response.status_code == 302
    assert response.url == "/courses/"


def test_login_rate_limit_is_on(client, student):
    statuses = [
        client.post(reverse("account_login"), {"login": student.email, "password": "wrong"}).status_code
        for _ in range(12)
    ]
    # allauth's default: 5 failed attempts per 5 minutes per account, then a refusal.
    response = client.post(reverse("account_login"), {"login": student.email, "password": PASSWORD})
    assert statuses[0] == 200
    assert SESSION_KEY not in client.session
    assert response.status_code in {200, 429}
    assert "Too many failed login attempts" in response.content.decode() or response.status_code == 429


# --- signing up ----------------------------------------------------------------------------


def test_signup_creates_a_user_with_names(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "New.Learner@Example.com",
            "first_name": "Grace",
            "last_name": "Hopper",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        },
    )
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "new.learner@example.com"
    assert (user.first_name, user.last_name) == ("Grace", "Hopper")
    assert user.check_password("a-long-and-unusual-passphrase")
    assert not user.is_instructor
    assert not user.is_staff
    assert client.session[SESSION_KEY] == str(user.pk)
    # Optional verification: a confirmation e-mail goes out.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.learner@example.com"]


def test_signup_refuses_an_existing_email_in_another_case(client, student):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "STUDENT@example.com",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        },
    )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert User.objects.count() == 1


def test_signup_refuses_a_weak_password(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "weak@example.com", "password1": "password", "password2": "password"},
    )
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert not User.objects.exists()


# --- the allauth pages in the site's layout ----------------------------------------------


def _assert_site_page(response, heading: str, title: str | None = None, *, form: bool = True) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert 'class="site-footer"' in html
    assert "css/site.css" in html
    assert ('<form class="auth-box"' in html) is form
    h1s = re.findall(r"<h1[^>]*>(.*?)</h1>", html, flags=re.S)
    assert [h.strip() for h in h1s] == [heading]
    page_title = re.search(r"<title>(.*?)</title>", html, flags=re.S).group(1)
    assert " ".join(page_title.split()) == f"{title or heading} · Doctrina"
    return html


def _assert_labelled(html: str) -> None:
    for field_id in re.findall(r'<input[^>]*\bid="([^"]+)"', html):
        if field_id == "header-q":
            continue
        assert f'for="{field_id}"' in html, f"input #{field_id} has no label"


def test_login_page(client):
    html = _assert_site_page(client.get(reverse("account_login")), "Log in")
    _assert_labelled(html)
    assert 'class="button' in html
    assert reverse("account_reset_password") in html
    assert reverse("account_signup") in html


def test_signup_page(client):
    html = _assert_site_page(client.get(reverse("account_signup")), "Sign up")
    _assert_labelled(html)
    for name in ("email", "first_name", "last_name", "password1", "password2"):
        assert f'name="{name}"' in html


def test_password_reset_flow_pages(client, student):
    html = _assert_site_page(client.get(reverse("account_reset_password")), "Password Reset")
    _assert_labelled(html)
    response = client.post(reverse("account_reset_password"), {"email": student.email}, follow=True)
    _assert_site_page(response, "Password Reset", form=False)
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    html = _assert_site_page(response, "Change Password")
    _assert_labelled(html)
    response = client.post(
        response.request["PATH_INFO"],
        {"password1": "another-long-passphrase", "password2": "another-long-passphrase"},
        follow=True,
    )
    html = _assert_site_page(response, "Change Password", form=False)
    assert "Your password is now changed." in html
    student.refresh_from_db()
    assert student.check_password("another-long-passphrase")


def test_email_management_page(client, student):
    client.force_login(student)
    html = _assert_site_page(client.get(reverse("account_email")), "Email Addresses")
    _assert_labelled(html)
    assert "student@example.com" in html


def test_password_change_page(client, student):
    client.force_login(student)
    html = _assert_site_page(client.get(reverse("account_change_password")), "Change Password")
    _assert_labelled(html)


def test_logout_confirmation_page_and_logout(client, student):
    client.force_login(student)
    html = _assert_site_page(client.get(reverse("account_logout")), "Log out")
    assert 'method="post"' in html
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


# --- managing e-mail addresses -------------------------------------------------------------


def test_adding_another_accounts_address_is_refused_in_any_case(client, student):
    from allauth.account.models import EmailAddress

    UserFactory(email="taken@example.com")
    client.force_login(student)
    response = client.post(reverse("account_email"), {"email": "TAKEN@example.com", "action_add": ""})
    assert response.status_code == 200
    assert "already registered" in str(response.context["form"].errors["email"])
    assert not EmailAddress.objects.filter(user=student, email__iexact="taken@example.com").exists()
    # So it can never be made primary (which would collide with the other login: a 500).
    response = client.post(reverse("account_email"), {"email": "taken@example.com", "action_primary": ""})
    assert response.status_code in {200, 302}
    student.refresh_from_db()
    assert student.email == "student@example.com"


def test_adding_a_free_address_still_works(client, student):
    from allauth.account.models import EmailAddress

    client.force_login(student)
    response = client.post(reverse("account_email"), {"email": "Second@Example.com", "action_add": ""})
    assert response.status_code == 302
    assert EmailAddress.objects.filter(user=student, email="second@example.com").exists()


def test_admin_refuses_an_existing_email_in_another_case_on_the_email_field(client, superuser, student):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:lms_user_add"),
        {
            "email": "STUDENT@example.com",
            "usable_password": "true",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        },
    )
    assert response.status_code == 200
    assert "Another account already uses" in str(response.context["adminform"].form.errors["email"])
    other = UserFactory(email="other2@example.com")
    response = client.post(
        reverse("admin:lms_user_change", args=[other.pk]),
        {
            "email": "Student@Example.com",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00",
        },
    )
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    other.refresh_from_db()
    assert other.email == "other2@example.com"
    assert User.objects.count() == 3


@pytest.mark.django_db
def test_migrate_gives_the_instructors_group_the_permissions_apps_declare_now():
    group = instructors_group_sync()
    hide = Permission.objects.get(content_type__app_label="community", codename="change_question")
    group.permissions.remove(hide)  # as on a site whose group predates discussions

    call_command("migrate", verbosity=0)

    assert Group.objects.get(name=INSTRUCTORS_GROUP).permissions.filter(pk=hide.pk).exists()
