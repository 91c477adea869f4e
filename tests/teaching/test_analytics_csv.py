"""Every figure of a course's analytics, on the hand-built data set of
conftest.py's `figures`, against numbers worked out by hand.

The data set: eight students of a usd course of four lessons.
  active s1, s2 (completed, 100 %), s3 (50 %), s4 (33 %), s5 and s8 (0 %)
  revoked s6 (75 %), s7 (completed, then refunded)
Purchases (paid = completed_at set):
  usd 100.00 paid · 80.00 refunded 30.00 · 49.99 refunded in full · 120.00 lost in a dispute
      · 100.00 dispute won · 60.00 refunded 20.00 then lost in a dispute
      · pending 100.00 · expired 100.00 (not paid)
  eur 90.00 refunded 10.50 · 45.00 · failed 90.00 (not paid)
Reviews that count: 5, 4, 4 stars (s6's 1 star is a revoked student's).
Quiz (4 questions): s1 answers T F F T (fails), then T T F T (passes, 75);
  s2 T T T T (passes, 100); s3 F F F F (fails, 0); s4 has an attempt open."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def analytics_csv(client, course) -> dict[str, str]:
    response = client.get(reverse("teaching:analytics_csv", args=[course.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{course.slug}-analytics.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["metric", "value"]
    metrics = dict(rows[1:])
    assert len(metrics) == len(rows) - 1, "each metric once"
    return metrics


def test_every_figure_of_the_csv_is_worked_out_by_hand(client, instructor, figures):
    client.force_login(instructor)

    assert analytics_csv(client, figures.course) == {
        "currency": "usd",
        "students_active": "6",  # s1, s2, s3, s4, s5, s8
        "students_completed": "2",  # s1, s2 (s7 completed but is revoked)
        "students_revoked": "2",  # s6, s7
        "completion_rate": "33.3",  # 2 / 6 = 33.33… %
        "average_progress": "47.2",  # (100 + 100 + 50 + 33 + 0 + 0) / 6 = 283 / 6 = 47.16…
        "revenue_gross": "509.99",  # 100 + 80 + 49.99 + 120 + 100 + 60
        "refunded": "259.99",  # 0 + 30 + 49.99 + 120 (lost) + 0 (won) + (20 + (60 − 20)) (lost)
        "revenue_net": "250.00",  # 509.99 − 259.99
        "discounts": "0.00",  # no promotion code was used
        "rating_average": "4.33",  # (5 + 4 + 4) / 3 = 4.333…
        "rating_count": "3",
        "rating_5_stars": "1",
        "rating_4_stars": "2",
        "rating_3_stars": "0",
        "rating_2_stars": "0",
        "rating_1_stars": "0",  # s6's review does not count
        "checkouts_started": "11",  # 6 usd paid + pending + expired + 2 eur paid + failed
        "checkouts_paid": "8",  # 6 usd + 2 eur
        "checkouts_refunded": "3",  # 49.99 refunded in full, 120.00 and 60.00 lost in disputes
        "revenue_gross_eur": "135.00",  # 90 + 45
        "refunded_eur": "10.50",
        "revenue_net_eur": "124.50",  # 135 − 10.50
        "discounts_eur": "0.00",
    }


def test_the_page_shows_the_same_figures(client, instructor, figures):
    client.force_login(instructor)
    response = client.get(reverse("teaching:analytics", args=[figures.course.slug]))

    page = response.context["page"]
    assert (page.students.active, page.students.completed, page.students.revoked) == (6, 2, 2)
    assert page.students.completion_rate == Decimal("33.3")
    assert page.students.average_progress == Decimal("47.2")
    usd, eur = page.sales.by_currency
    assert (usd.currency, usd.gross, usd.refunded, usd.net) == (
        "usd",
        Decimal("509.99"),
        Decimal("259.99"),
        250,
    )
    assert (eur.currency, eur.gross, eur.refunded, eur.net) == (
        "eur",
        Decimal("135.00"),
        Decimal("10.50"),
        124.5,
    )
    checkouts = page.sales.checkouts
    assert (checkouts.started, checkouts.paid, checkouts.refunded) == (11, 8, 3)
    assert checkouts.paid_rate == Decimal("72.7")  # 8 / 11 = 72.72… %
    assert checkouts.refunded_rate == Decimal("37.5")  # 3 / 8
    html = response.content.decode()
    for shown in ["$509.99", "$259.99", "$250.00", "€135.00", "€10.50", "€124.50", "72.7% of those started"]:
        assert shown in html


def test_lesson_funnel_counts_active_students_in_curriculum_order(client, instructor, figures):
    client.force_login(instructor)
    page = client.get(reverse("teaching:analytics", args=[figures.course.slug])).context["page"]

    assert [(step.lesson.title, step.completed, step.rate) for step in page.funnel] == [
        ("Reading plans", 4, Decimal("66.7")),  # s1–s4 of 6 (s6 is revoked)
        ("Check your plans", 2, Decimal("33.3")),  # s1, s2 (s4 un-marked it, s6 is revoked)
        ("Indexes", 3, Decimal("50.0")),  # s1, s2, s3
        ("Vacuum", 2, Decimal("33.3")),  # s1, s2
    ]


def test_quiz_figures_and_hardest_questions(client, instructor, figures):
    client.force_login(instructor)
    response = client.get(reverse("teaching:analytics", args=[figures.course.slug]))

    (quiz,) = response.context["page"].quizzes
    assert quiz.title == "Check your plans"
    assert quiz.attempts == 4  # s1 twice, s2, s3 (s4's is still open)
    assert quiz.students == 3
    assert quiz.pass_rate == Decimal("66.7")  # s1 and s2 of 3 passed
    assert quiz.average_best == Decimal("58.3")  # best scores (75 + 100 + 0) / 3 = 58.33…
    q1, q2, q3, _ = figures.questions
    # Right answers of 4: q1 3 (75 %), q2 2 (50 %), q3 1 (25 %), q4 3 (75 %, after q1 on a tie).
    assert [(h.question_id, h.prompt, h.right, h.answered, h.right_rate) for h in quiz.hardest] == [
        (q3.pk, "When does VACUUM run?", 1, 4, Decimal("25.0")),
        (q2.pk, "What is a CTE?", 2, 4, Decimal("50.0")),
        (q1.pk, "Seq scan or index?", 3, 4, Decimal("75.0")),
    ]
    html = response.content.decode()
    assert "When does VACUUM run? <span" in html and "25.0% right of 4" in html
    assert "Easy one" not in html


def test_a_deleted_question_stays_in_the_figures(client, instructor, figures):
    figures.questions[2].delete()  # the attempts' snapshots still name it
    client.force_login(instructor)
    response = client.get(reverse("teaching:analytics", args=[figures.course.slug]))
    (quiz,) = response.context["page"].quizzes
    assert (quiz.hardest[0].prompt, quiz.hardest[0].right_rate) == ("", Decimal("25.0"))
    assert "A question deleted since" in response.content.decode()


def test_a_course_with_nothing_yet(client, instructor, taught):
    client.force_login(instructor)
    assert analytics_csv(client, taught.course) == {
        "currency": "usd",
        "students_active": "0",
        "students_completed": "0",
        "students_revoked": "0",
        "completion_rate": "",
        "average_progress": "",
        "revenue_gross": "0.00",
        "refunded": "0.00",
        "revenue_net": "0.00",
        "discounts": "0.00",
        "rating_average": "",
        "rating_count": "0",
        **{f"rating_{n}_stars": "0" for n in range(1, 6)},
        "checkouts_started": "0",
        "checkouts_paid": "0",
        "checkouts_refunded": "0",
    }
    response = client.get(reverse("teaching:analytics", args=[taught.course.slug]))
    assert response.status_code == 200
    assert "No sales yet." in response.content.decode()
