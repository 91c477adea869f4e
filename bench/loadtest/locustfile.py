"""The Locust users of `make loadtest` (bench/loadtest/run.py starts Locust with this file and the
plan it wrote: LOADTEST_PLAN).

Visitors browse the catalogue, course pages and preview lessons. Students log in, enroll in free
courses, open lessons, mark them complete and take quizzes. Buyers log in, press Buy (the checkout
view creates a Checkout Session at the fake Stripe), pay at the fake, and then post the signed
`checkout.session.completed` webhook themselves, as Stripe would: some twice at once, some after
the success page has already fulfilled the purchase, some again a while later, after newer events.
Every form carries the CSRF token of the page it is on. The event id is derived from the session
id, so run.py can later deliver, with the same id, what Stripe would still be retrying.

Expected refusals (a quiz whose attempts are used up: 403) count as successes; any other status
outside 2xx and 3xx is a failure named by its status, so a 5xx is seen in the stats."""

from __future__ import annotations

import collections
import json
import os
import random
import re
import time
from pathlib import Path

import requests
from locust import HttpUser, between, task

from bench.loadtest.events import signed_event

PLAN = json.loads(Path(os.environ["LOADTEST_PLAN"]).read_text())
STRIPE = PLAN["stripe"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FREE = [c for c in PLAN["courses"] if c["free"]]
PAID = [c["slug"] for c in PLAN["courses"] if not c["free"]]
PREVIEWS = [
    (c["slug"], lesson["id"]) for c in PLAN["courses"] for lesson in c["lessons"] if lesson["preview"]
]
_students = iter(PLAN["students"])
_buyers = iter(PLAN["buyers"])
# Redeliveries held back so that they reach the site after newer events: (due time, body, header).
_held_back: collections.deque = collections.deque()


class Site(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)

    def get(self, path: str, name: str | None = None, ok=(200,)) -> str:
        return self._send("GET", path, name, ok)

    def post(self, path: str, name: str | None = None, ok=(302, 303), **kwargs) -> requests.Response:
        return self._send("POST", path, name, ok, raw=True, **kwargs)

    def _send(self, method, path, name, ok, raw=False, **kwargs):
        with self.client.request(
            method, path, name=name or path, allow_redirects=False, catch_response=True, **kwargs
        ) as response:
            if response.status_code in ok:
                response.success()
            else:
                response.failure(f"status {response.status_code}")
        return response if raw else response.text

    def form_post(self, page_text: str, path: str, name: str, data: dict | None = None, ok=(302, 303)):
        token = CSRF.search(page_text)
        return self.post(
            path, name, ok=ok, data={"csrfmiddlewaretoken": token and token.group(1), **(data or {})}
        )

    def log_in(self, email: str) -> None:
        self.client.cookies.clear()
        page = self.get("/accounts/login/")
        self.form_post(
            page, "/accounts/login/", "/accounts/login/ POST", {"login": email, "password": PLAN["password"]}
        )


class Visitor(Site):
    weight = 5

    @task(2)
    def catalogue(self):
        self.get("/")
        self.get(f"/courses/?sort={random.choice(['newest', 'popular', 'rating'])}", name="/courses/?sort")

    @task(3)
    def course_and_preview(self):
        slug, lesson_id = random.choice(PREVIEWS)
        self.get(f"/courses/{slug}/", name="/courses/[slug]/")
        self.get(f"/courses/{slug}/lessons/{lesson_id}/", name="/courses/[slug]/lessons/[id]/ (preview)")


class Student(Site):
    weight = 3

    def on_start(self):
        self.log_in(next(_students))

    @task(1)
    def enroll(self):
        course = random.choice(FREE)
        page = self.get(f"/courses/{course['slug']}/", name="/courses/[slug]/")
        if "/enroll/" in page:
            self.form_post(page, f"/courses/{course['slug']}/enroll/", "/courses/[slug]/enroll/")

    @task(4)
    def learn(self):
        course = random.choice(FREE)
        lesson = random.choice(course["lessons"])
        base = f"/courses/{course['slug']}/lessons/{lesson['id']}/"
        page = self.get(base, name="/courses/[slug]/lessons/[id]/", ok=(200, 403))
        if lesson["kind"] in ("video", "text") and "/complete/" in page:
            self.form_post(page, base + "complete/", "/courses/[slug]/lessons/[id]/complete/")
        elif lesson["kind"] == "quiz" and "/quiz/start/" in page:
            self.take_quiz(page, base, lesson["answers"])
        self.get("/dashboard/")

    def take_quiz(self, page: str, base: str, answers: dict) -> None:
        started = self.form_post(page, base + "quiz/start/", "/…/quiz/start/", ok=(302, 303, 403))
        if started.status_code not in (302, 303):
            return  # no attempts left: the page said so
        attempt_url = started.headers["Location"]
        form = self.get(attempt_url, name="/…/quiz/attempts/[id]/", ok=(200, 302))
        if random.random() > 0.7:  # some students get it wrong
            answers = {field: choices[:1] for field, choices in answers.items()}
        self.form_post(form, attempt_url + "submit/", "/…/quiz/attempts/[id]/submit/", answers)
        self.get(attempt_url + "result/", name="/…/quiz/attempts/[id]/result/")


class Buyer(Site):
    weight = 1

    def on_start(self):
        self.next_account()

    def next_account(self) -> None:
        self.log_in(next(_buyers))
        self.to_buy = random.sample(PAID, len(PAID))

    @task
    def buy(self):
        if not self.to_buy:
            self.next_account()
        slug = self.to_buy.pop()
        page = self.get(f"/courses/{slug}/", name="/courses/[slug]/")
        started = self.form_post(page, f"/payments/checkout/{slug}/", "/payments/checkout/[slug]/")
        location = started.headers.get("Location", "")
        if not location.startswith(STRIPE["url"]):
            return
        session_id = location.rsplit("/", 1)[1]
        self.pay(session_id)

    def pay(self, session_id: str) -> None:
        fake = STRIPE["url"]
        requests.post(f"{fake}/checkout/{session_id}/pay", allow_redirects=False, timeout=10)
        session = requests.get(
            f"{fake}/v1/checkout/sessions/{session_id}",
            headers={"Authorization": f"Bearer {STRIPE['secret_key']}"},
            timeout=10,
        ).json()
        body, header = signed_event(session, STRIPE["webhook_secret"])
        roll = random.random()
        if roll < 0.2:  # the buyer's browser comes back before the webhook: the success page fulfils
            self.get(f"/payments/success/?session_id={session_id}", name="/payments/success/")
        self.webhook(body, header, "/payments/webhook/")
        if 0.2 <= roll < 0.4:  # delivered twice at once
            self.webhook(body, header, "/payments/webhook/ (duplicate)")
        elif 0.4 <= roll < 0.55:  # delivered again later, after newer events
            _held_back.append((time.monotonic() + random.uniform(2, 10), body, header))
        while _held_back and _held_back[0][0] <= time.monotonic():
            _, old_body, old_header = _held_back.popleft()
            self.webhook(old_body, old_header, "/payments/webhook/ (late redelivery)")

    def webhook(self, body: str, header: str, name: str) -> None:
        self.post(
            "/payments/webhook/",
            name,
            ok=(200,),
            data=body,
            headers={"Content-Type": "application/json", "Stripe-Signature": header},
        )
