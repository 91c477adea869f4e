"""An instructor sees how a course is doing, end to end in Chromium (the
teaching issue): they log in through the real form and land on /teach/, read
the course's row there, open its analytics from it (the enrollment chart with
its table of weeks, the revenue net of a partial refund) and download the
students CSV. A student who logs in lands on My learning, and every teaching
page is the 404 page to them.

The data go through the services a real sale and a real student go through:
purchase_fulfil with the Checkout Session Stripe sends, purchase_charge_refunded
with a partial refund, lesson_complete; only the dates are moved back by an
UPDATE afterwards (the services stamp "now")."""

import csv
import io
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from enrollments.models import Enrollment
from enrollments.services import enrollment_grant
from learning.services.progress import lesson_complete
from lms.money import format_money
from payments.models import Purchase
from payments.services.fulfilment import FulfilOutcome, purchase_fulfil
from payments.services.refunds import purchase_charge_refunded
from tests.browser.layout import settled_widths
from tests.factories import (
    PASSWORD,
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    PurchaseFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# allauth renders its forms with form.as_p, whose labels end with a colon.
EMAIL_LABEL = re.compile(r"^Email:?$")
PASSWORD_LABEL = re.compile(r"^Password:?$")
NOT_FOUND = "We couldn’t find that page"
CSV_HEADER = "email,name,enrolled_at,status,progress_percent,completed_at,last_activity_at"
PRICE = Decimal("80.00")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def _buy(course, user, *, payment_intent: str) -> Purchase:
    """Checkout as Stripe completes it: a pending purchase, then the paid session's fulfilment."""
    purchase = PurchaseFactory(user=user, course=course, amount=course.price, currency=course.currency)
    result = purchase_fulfil(
        session={
            "id": purchase.stripe_session_id,
            "status": "complete",
            "payment_status": "paid",
            "payment_intent": payment_intent,
            "amount_total": int(course.price * 100),
            "currency": course.currency,
            "livemode": False,
            "metadata": {"user_id": str(user.pk), "course_id": str(course.pk)},
        }
    )
    assert result.outcome == FulfilOutcome.FULFILLED, result.detail
    return result.purchase


@pytest.fixture
def school(instructor):
    """Ada Lovelace's paid course of four text lessons ($80) and its four
    students: Katherine bought it 40 days ago and finished it, Edsger was given
    access 20 days ago and has not started, Alan bought it 10 days ago and did
    one lesson, Grace bought it an hour ago, did two lessons and got $30 back.
    Gross $240, refunded $30, net $210; progress 100, 0, 25 and 50 %."""
    course = CourseFactory(
        title="Postgres in production",
        slug="postgres-in-production",
        subtitle="Backups, vacuum and the 3 a.m. page",
        price=PRICE,
        currency="usd",
        instructor=instructor,
    )
    module = ModuleFactory(course=course, title="Running it", order=0)
    lessons = [
        LessonFactory(module=module, title=title, order=i)
        for i, title in enumerate(["Backups", "Vacuum", "Replication", "Upgrades"])
    ]
    now = timezone.now().replace(microsecond=0)
    people = {
        key: UserFactory(email=f"{key}@example.com", first_name=first, last_name=last)
        for key, first, last in [
            ("katherine", "Katherine", "Johnson"),
            ("edsger", "Edsger", "Dijkstra"),
            ("alan", "Alan", "Turing"),
            ("grace", "Grace", "Hopper"),
        ]
    }
    purchases = {
        key: _buy(course, people[key], payment_intent=f"pi_{key}") for key in ("katherine", "alan", "grace")
    }
    enrollment_grant(user=people["edsger"], course=course)  # access given, no payment
    purchase_charge_refunded(
        charge={
            "id": "ch_grace",
            "payment_intent": "pi_grace",
            "amount_refunded": 3000,
            "refunds": {"data": [{"id": "re_grace", "amount": 3000, "status": "succeeded"}]},
        }
    )
    for key, done in [("katherine", 4), ("alan", 1), ("grace", 2)]:
        for lesson in lessons[:done]:
            lesson_complete(user=people[key], lesson=lesson)

    ago = {
        "katherine": timedelta(days=40),
        "edsger": timedelta(days=20),
        "alan": timedelta(days=10),
        "grace": timedelta(hours=1),
    }
    for key, delta in ago.items():
        Enrollment.objects.filter(user=people[key], course=course).update(enrolled_at=now - delta)
        if key in purchases:
            Purchase.objects.filter(pk=purchases[key].pk).update(
                created_at=now - delta, completed_at=now - delta
            )

    enrollments = list(
        Enrollment.objects.filter(course=course).select_related("user").order_by("enrolled_at")
    )
    assert [(e.user.first_name, e.progress_percent, e.completed_at is not None) for e in enrollments] == [
        ("Katherine", 100, True),
        ("Edsger", 0, False),
        ("Alan", 25, False),
        ("Grace", 50, False),
    ]
    grace = Purchase.objects.get(pk=purchases["grace"].pk)
    assert (grace.status, grace.amount_refunded) == (Purchase.Status.COMPLETE, Decimal("30.00"))
    return SimpleNamespace(
        course=course,
        people=people,
        enrollments=enrollments,
        purchases=list(Purchase.objects.filter(course=course)),
    )


def _monday(moment: datetime) -> date:
    day = timezone.localdate(moment)
    return day - timedelta(days=day.weekday())


def _utc(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _net_this_month(purchases: list[Purchase]) -> str:
    """The dashboard's "Net revenue this month": sales made since the 1st, net of their refunds."""
    first = timezone.localdate().replace(day=1)
    net = sum(
        (p.amount - p.amount_refunded for p in purchases if timezone.localdate(p.completed_at) >= first),
        Decimal("0.00"),
    )
    return format_money(net, "usd")


def log_in_through_the_form(page, email: str) -> None:
    page.goto(reverse("account_login"))
    expect(page.get_by_role("heading", name="Log in", level=1)).to_be_visible()
    page.get_by_label(EMAIL_LABEL).fill(email)
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_instructor_reads_a_course_analytics_and_downloads_its_students(page, instructor, school):
    course = school.course

    # Logging in lands on the teaching dashboard, not on My learning.
    log_in_through_the_form(page, instructor.email)
    expect(page).to_have_url(re.compile(r"/teach/$"))
    expect(page.get_by_role("heading", name="Teaching", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Teaching")).to_be_visible()

    # The course's row: four active students, one of them finished, no rating
    # yet, $240 paid less the $30 refunded, one enrollment in the last week.
    courses = page.get_by_role("table", name=re.compile(r"^Your courses"))
    row = courses.get_by_role("row", name=re.compile(r"^Postgres in production\b"))
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell")).to_have_text(
        ["Published", "4", "25.0%", "—", _net_this_month(school.purchases), "$210.00", "1"]
    )
    expect(row.get_by_role("link", name="4 active students of Postgres in production")).to_be_visible()

    # The analytics, from the dashboard.
    row.get_by_role("link", name="Postgres in production", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/teach/courses/{course.slug}/$"))
    expect(page.get_by_role("heading", name="Postgres in production", level=1)).to_be_visible()
    expect(page.get_by_test_id("student-figures").locator("dd")).to_have_text(
        ["4", "1", "0", "25.0%", "43.8%"]  # active, completed, revoked, 1 of 4, (100+0+25+50)/4
    )

    # The enrollment chart: an image named by what it says, and the same
    # figures as a table (for screen readers) and as the bars' tooltips.
    weeks = Counter(_monday(e.enrolled_at) for e in school.enrollments)
    assert sum(weeks.values()) == 4 and len(weeks) >= 3  # 40, 20, 10 days and an hour ago
    chart = page.get_by_test_id("chart-enrollments")
    expect(
        chart.get_by_role("img", name="New enrollments per week over the last 26 weeks: 4 in all.")
    ).to_be_visible()
    expect(chart.locator("svg rect.chart-bar")).to_have_count(len(weeks))
    expect(chart.locator("svg g > title")).to_have_count(26)
    for week, count in weeks.items():
        expect(
            chart.locator("svg g > title", has_text=f"Week of {week.day} {week:%b %Y}: {count}")
        ).to_have_count(1)
    table = chart.get_by_role("table", name="Enrollments per week, last 26 weeks")
    expect(table.get_by_role("columnheader")).to_have_text(["week", "enrollments"])
    rows = table.locator("tbody tr").evaluate_all(
        "rows => rows.map(row => [...row.cells].map(cell => cell.textContent.trim()))"
    )
    assert len(rows) == 26
    assert [week for week, _ in rows] == sorted(week for week, _ in rows)  # oldest first
    assert {week: int(n) for week, n in rows if n != "0"} == {w.isoformat(): n for w, n in weeks.items()}
    expect(
        chart.get_by_role("link", name=re.compile(r"^Download CSV ?: Enrollments per week, last 26 weeks$"))
    ).to_be_visible()

    # The revenue, as the page states it: gross, refunded, net.
    revenue = page.get_by_role("region", name="Revenue")
    totals = revenue.get_by_role("table", name="Revenue since the course went on sale, per currency")
    expect(totals.get_by_role("columnheader")).to_have_text(["Currency", "Gross", "Refunded", "Net"])
    usd = totals.get_by_role("row", name=re.compile(r"^USD\b"))
    expect(usd.get_by_role("cell")).to_have_text(["$240.00", "$30.00", "$210.00"])
    expect(
        revenue.get_by_role(
            "img", name="Revenue in USD per month of sale over the last 12 months: 210.00 net in all."
        )
    ).to_be_visible()
    expect(page.get_by_test_id("checkouts").get_by_role("listitem")).to_have_text(
        [
            "3 Checkout sessions started",
            "3 paid (100.0% of those started)",
            "0 refunded in full or lost in a dispute (0.0% of those paid)",
        ]
    )

    # The students, found by a search, then all of them as a CSV.
    page.get_by_role("main").get_by_role("link", name="Students", exact=True).click()
    expect(page.get_by_role("heading", name="Students of Postgres in production", level=1)).to_be_visible()
    expect(page.get_by_test_id("students-count")).to_have_text("4 students")
    main = page.get_by_role("main")
    main.get_by_role("searchbox", name="Name or e-mail").fill("hopper")
    main.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("students-count")).to_have_text("1 student matching “hopper”")
    expect(main.get_by_role("table").get_by_role("rowheader")).to_have_text(
        ["Grace Hopper grace@example.com"]
    )

    # Every student again; on a phone the wide table scrolls in its own box,
    # not the page, Katherine's certificate link in its last column included.
    main.get_by_role("link", name="Show every student").click()
    expect(page.get_by_test_id("students-count")).to_have_text("4 students")
    expect(main.get_by_role("link", name="Certificate of Katherine Johnson")).to_have_count(1)
    page.set_viewport_size(PHONE)
    # Waits for the re-layout at the new width (read at once, the old layout may answer).
    scroll_width, _ = settled_widths(page)
    assert scroll_width <= PHONE["width"]
    page.set_viewport_size(DESKTOP)

    with page.expect_download() as info:
        page.get_by_role("link", name="Download all students (CSV)").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == f"{course.slug}-students.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0] == CSV_HEADER
    # Every student, not only the one the search found; oldest enrollment first.
    assert list(csv.reader(io.StringIO(text)))[1:] == [
        [
            e.user.email,
            f"{e.user.first_name} {e.user.last_name}",
            _utc(e.enrolled_at),
            "active",
            str(e.progress_percent),
            _utc(e.completed_at),
            _utc(e.last_activity_at),
        ]
        for e in school.enrollments
    ]
    by_email = {r[0]: r for r in csv.reader(io.StringIO(text))}
    assert by_email["katherine@example.com"][4:6] == ["100", _utc(school.enrollments[0].completed_at)]
    assert by_email["edsger@example.com"][4:7] == ["0", "", ""]  # never did anything


def test_student_lands_on_my_learning_and_teaching_pages_are_not_found(page, school):
    grace = school.people["grace"]  # a student of the course, even
    slug = school.course.slug

    log_in_through_the_form(page, grace.email)
    expect(page).to_have_url(re.compile(re.escape(reverse("learning:dashboard")) + "$"))
    expect(page.get_by_role("heading", name="My learning", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Teaching")).to_have_count(0)

    for url in ["/teach/", f"/teach/courses/{slug}/", f"/teach/courses/{slug}/students/"]:
        response = page.goto(url)
        assert response.status == 404, url
        expect(page.get_by_role("heading", name=NOT_FOUND, level=1)).to_be_visible()
        expect(page.get_by_text("Postgres in production")).to_have_count(0)
    for url in [f"/teach/courses/{slug}/students.csv", f"/teach/courses/{slug}/analytics.csv"]:
        response = page.request.get(url)
        assert response.status == 404, url
        assert "grace@example.com" not in response.text()
