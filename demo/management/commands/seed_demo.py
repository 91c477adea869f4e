"""`python manage.py seed_demo`: a believable demo catalogue.

Everything is keyed on a natural key (a user's e-mail, a course's slug, a
module's (course, title), a lesson's (module, title), a quiz's lesson, a
question's (quiz, prompt)) and only created when missing, so a second run
changes nothing, and an instructor's later edits to a seeded course survive a
re-run. A question is created with its choices or not at all: adding a choice
to a question an instructor has edited could make it unanswerable.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from courses.models import Course, Lesson, Module, Question, Quiz
from courses.services import (
    course_save,
    lesson_save,
    lessons_renumber,
    module_save,
    modules_renumber,
    question_create,
    quiz_save,
)
from enrollments.services import enrollment_create_free
from lms.models import User
from lms.services import user_make_instructor

VIDEO = Lesson.Kind.VIDEO
TEXT = Lesson.Kind.TEXT
QUIZ = Lesson.Kind.QUIZ
ASSIGNMENT = Lesson.Kind.ASSIGNMENT
DRAFT = Course.Status.DRAFT
PUBLISHED = Course.Status.PUBLISHED
SINGLE = Question.Kind.SINGLE
MULTIPLE = Question.Kind.MULTIPLE
TRUE_FALSE = Question.Kind.TRUE_FALSE


@dataclass(frozen=True)
class SeedUser:
    email: str
    password: str
    first_name: str
    last_name: str
    title: str = ""
    bio: str = ""


@dataclass(frozen=True)
class SeedQuestion:
    kind: str
    prompt: str
    explanation: str
    choices: list[tuple[str, bool]]  # (text, is_correct), in the order shown
    points: int = 1


@dataclass(frozen=True)
class SeedQuiz:
    questions: list[SeedQuestion]
    pass_mark: int = 70
    max_attempts: int = 0
    time_limit_minutes: int | None = None
    shuffle_questions: bool = False
    show_answers: str = Quiz.ShowAnswers.AFTER_PASSING


def single(prompt: str, explanation: str, right: str, *wrong: str, points: int = 1) -> SeedQuestion:
    return SeedQuestion(SINGLE, prompt, explanation, [(right, True), *((w, False) for w in wrong)], points)


def multiple(
    prompt: str, explanation: str, *, right: list[str], wrong: list[str], points: int = 1
) -> SeedQuestion:
    choices = [*((r, True) for r in right), *((w, False) for w in wrong)]
    return SeedQuestion(MULTIPLE, prompt, explanation, choices, points)


def true_false(prompt: str, explanation: str, *, answer: bool) -> SeedQuestion:
    return SeedQuestion(TRUE_FALSE, prompt, explanation, [("True", answer), ("False", not answer)])


@dataclass(frozen=True)
class SeedLesson:
    title: str
    kind: str
    duration: int = 0
    description: str = ""
    video_url: str = ""
    video_id: str = ""
    content: str = ""
    is_preview: bool = False
    quiz: SeedQuiz | None = None


@dataclass(frozen=True)
class SeedModule:
    title: str
    description: str
    lessons: list[SeedLesson] = field(default_factory=list)


@dataclass(frozen=True)
class SeedCourse:
    slug: str
    title: str
    subtitle: str
    description: str
    instructor: str  # e-mail of one of INSTRUCTORS
    price: Decimal
    currency: str
    status: str
    modules: list[SeedModule] = field(default_factory=list)


ADMIN = SeedUser("admin@doctrina.example", "doctrina-admin-demo", "Ada", "Admin")
INSTRUCTORS = [
    SeedUser(
        "maya@doctrina.example",
        "doctrina-teach-demo",
        "Maya",
        "Okafor",
        title="Senior Django developer",
        bio="Maya has shipped Django applications for newsrooms and hospitals for twelve years, "
        "and has taught evening classes in web development for six of them.",
    ),
    SeedUser(
        "lukas@doctrina.example",
        "doctrina-teach-demo",
        "Lukas",
        "Brandt",
        title="Data engineer",
        bio="Lukas builds data pipelines on PostgreSQL and Python, and writes the documentation "
        "nobody else wants to write.",
    ),
]
STUDENTS = [
    SeedUser("sam@doctrina.example", "doctrina-learn-demo", "Sam", "Rivera"),
    SeedUser("priya@doctrina.example", "doctrina-learn-demo", "Priya", "Nair"),
    SeedUser("tom@doctrina.example", "doctrina-learn-demo", "Tom", "Becker"),
]
# (student e-mail, course slug): free, published courses only.
ENROLLMENTS = [
    ("sam@doctrina.example", "django-for-beginners"),
    ("sam@doctrina.example", "web-accessibility-in-practice"),
    ("priya@doctrina.example", "django-for-beginners"),
    ("tom@doctrina.example", "web-accessibility-in-practice"),
]

MAYA = INSTRUCTORS[0].email
LUKAS = INSTRUCTORS[1].email

COURSES = [
    SeedCourse(
        slug="django-for-beginners",
        title="Django for Beginners",
        subtitle="Build and ship your first database-backed web application",
        description=(
            "Django is the web framework *for perfectionists with deadlines*. In this course you "
            "build a small but complete application: models, the admin, views, templates and "
            "forms.\n\n"
            "**You will learn to**\n\n"
            "- model your data and migrate the database safely\n"
            "- write views that stay thin\n"
            "- test what you build with pytest\n"
        ),
        instructor=MAYA,
        price=Decimal("0"),
        currency="usd",
        status=PUBLISHED,
        modules=[
            SeedModule(
                "Getting started",
                "Install Python and Django and meet the project layout.",
                [
                    SeedLesson(
                        "Welcome and course tour",
                        VIDEO,
                        duration=754,
                        description="What we will build, and how the course is organised.",
                        video_url="https://www.youtube.com/watch?v=F5mRW0jo-U4",
                        is_preview=True,
                    ),
                    SeedLesson(
                        "Setting up your environment",
                        TEXT,
                        duration=600,
                        is_preview=True,
                        content=(
                            "## A virtual environment per project\n\n"
                            "Every project gets its own virtual environment, so two projects "
                            "never fight over package versions:\n\n"
                            "```console\n"
                            "$ python3 -m venv .venv\n"
                            "$ . .venv/bin/activate\n"
                            "$ pip install 'Django>=5.2,<5.3'\n"
                            "```\n\n"
                            "Check the installation with `python -m django --version`.\n\n"
                            "## Start a project\n\n"
                            "```console\n"
                            "$ django-admin startproject mysite .\n"
                            "$ python manage.py runserver\n"
                            "```\n\n"
                            "Open <http://127.0.0.1:8000/> and you should see the rocket page.\n\n"
                            "> **Tip:** commit `requirements.txt`, never the `.venv` folder.\n"
                        ),
                    ),
                    SeedLesson(
                        "Python refresher",
                        VIDEO,
                        duration=4 * 3600 + 26 * 60 + 52,
                        description="Optional: a full Python course if you need to catch up.",
                        video_id="rfscVS0vtbw",
                    ),
                ],
            ),
            SeedModule(
                "Models and the admin",
                "Describe your data once and get a database schema and an admin for free.",
                [
                    SeedLesson(
                        "Your first model",
                        TEXT,
                        duration=900,
                        content=(
                            "## Fields are columns\n\n"
                            "A model is a Python class; each attribute is a database column.\n\n"
                            "```python\n"
                            "from django.db import models\n\n\n"
                            "class Book(models.Model):\n"
                            "    title = models.CharField(max_length=200)\n"
                            "    published = models.DateField()\n\n"
                            "    def __str__(self):\n"
                            "        return self.title\n"
                            "```\n\n"
                            "Then create and apply the migration:\n\n"
                            "1. `python manage.py makemigrations`\n"
                            "2. `python manage.py migrate`\n\n"
                            "| Field | Column type (PostgreSQL) |\n"
                            "|---|---|\n"
                            "| `CharField` | `varchar` |\n"
                            "| `DateField` | `date` |\n"
                            "| `DecimalField` | `numeric` |\n"
                        ),
                    ),
                    SeedLesson(
                        "Registering models in the admin",
                        VIDEO,
                        duration=1260,
                        video_url="https://vimeo.com/76979871",
                    ),
                    SeedLesson(
                        "Check your understanding: models",
                        QUIZ,
                        duration=300,
                        content="Four questions on models, migrations and the admin. Answer them "
                        "before moving on; the explanations are shown after every attempt.\n",
                        quiz=SeedQuiz(
                            show_answers=Quiz.ShowAnswers.AFTER_EACH_ATTEMPT,
                            questions=[
                                single(
                                    "Which command **writes** a migration file?",
                                    "`makemigrations` compares your models with the existing "
                                    "migrations and writes a new file; `migrate` applies the files "
                                    "to the database.",
                                    "python manage.py makemigrations",
                                    "python manage.py migrate",
                                    "python manage.py sqlmigrate",
                                ),
                                single(
                                    "What does a model's `__str__` change in the admin?",
                                    "The admin names each object with `str(obj)`: in the list, in "
                                    "drop-downs and in the page title. Without it you see "
                                    "*Book object (1)*.",
                                    "How each object is named in lists and drop-downs",
                                    "The names of the database columns",
                                    "The URL of the object's change page",
                                ),
                                true_false(
                                    "A price is best stored in a `FloatField`.",
                                    "Floats cannot hold most decimal fractions exactly "
                                    "(`0.1 + 0.2 != 0.3`). A `DecimalField` stores exact amounts.",
                                    answer=False,
                                ),
                                multiple(
                                    "Which of these are Django model fields? Choose every one.",
                                    "`StringField` does not exist: short text is a `CharField` "
                                    "(with `max_length`), long text a `TextField`.",
                                    right=["CharField", "DateField", "DecimalField"],
                                    wrong=["StringField"],
                                    points=2,
                                ),
                            ],
                        ),
                    ),
                ],
            ),
            SeedModule(
                "Views and templates",
                "Turn requests into pages.",
                [
                    SeedLesson(
                        "Function-based views",
                        TEXT,
                        duration=720,
                        content=(
                            "## A view takes a request and returns a response\n\n"
                            "```python\n"
                            "from django.shortcuts import get_object_or_404, render\n\n\n"
                            "def book_detail(request, pk):\n"
                            "    book = get_object_or_404(Book, pk=pk)\n"
                            '    return render(request, "books/detail.html", {"book": book})\n'
                            "```\n\n"
                            "Keep views thin: parse the input, call a function that does the "
                            "work, render the result.\n"
                        ),
                    ),
                    SeedLesson(
                        "Assignment: a reading list",
                        ASSIGNMENT,
                        duration=3600,
                        content=(
                            "## Build a reading list\n\n"
                            "Create an app `reading` with a `Book` model (title, author, "
                            "finished date) and two pages:\n\n"
                            "- `/books/`: every book, newest first\n"
                            "- `/books/<id>/`: one book\n\n"
                            "**Hand in** a link to your repository and a screenshot of both "
                            "pages.\n"
                        ),
                    ),
                ],
            ),
        ],
    ),
    SeedCourse(
        slug="python-data-foundations",
        title="Python Data Foundations",
        subtitle="Clean, explore and explain data with plain Python and pandas",
        description=(
            "From CSV files to charts you can defend. Every lesson works on a real public data "
            "set, and every module ends with an exercise.\n"
        ),
        instructor=LUKAS,
        price=Decimal("49.00"),
        currency="usd",
        status=PUBLISHED,
        modules=[
            SeedModule(
                "Python for data work",
                "The parts of the language you will use every day.",
                [
                    SeedLesson(
                        "Course introduction",
                        VIDEO,
                        duration=512,
                        video_url="https://youtu.be/rfscVS0vtbw",
                        is_preview=True,
                    ),
                    SeedLesson(
                        "Lists, dicts and comprehensions",
                        TEXT,
                        duration=1080,
                        content=(
                            "## Comprehensions replace most loops\n\n"
                            "```python\n"
                            "temperatures = [12.5, 14.0, 9.75]\n"
                            "fahrenheit = [c * 9 / 5 + 32 for c in temperatures]\n"
                            'by_city = {"Berlin": 12.5, "Lisbon": 19.0}\n'
                            "warm = {city: t for city, t in by_city.items() if t > 15}\n"
                            "```\n\n"
                            "Prefer a comprehension when you *build* a collection; prefer a "
                            "plain `for` loop when you *do* something for each item.\n"
                        ),
                    ),
                ],
            ),
            SeedModule(
                "pandas essentials",
                "DataFrames, selection, grouping.",
                [
                    SeedLesson(
                        "Loading and inspecting a CSV",
                        VIDEO,
                        duration=1745,
                        video_id="22439234",
                    ),
                    SeedLesson(
                        "Grouping and aggregating",
                        TEXT,
                        duration=1320,
                        content=(
                            "## Split, apply, combine\n\n"
                            "```python\n"
                            'df.groupby("country")["revenue"].agg(["sum", "mean"])\n'
                            "```\n\n"
                            "Always check the size of each group with `.size()` before "
                            "trusting a mean.\n"
                        ),
                    ),
                    SeedLesson(
                        "Quiz: pandas",
                        QUIZ,
                        duration=420,
                        content="Selection, missing values and grouping: four questions.\n",
                        quiz=SeedQuiz(
                            questions=[
                                single(
                                    "`df.loc[...]` selects rows and columns by…",
                                    "`.loc` works with labels (and boolean masks); `.iloc` with "
                                    "integer positions.",
                                    "their labels",
                                    "their integer positions",
                                    "boolean masks only",
                                ),
                                single(
                                    "What does `df.dropna(subset=['price'])` drop?",
                                    "`subset` limits the check to the listed columns: a row goes "
                                    "only when its `price` is missing.",
                                    "The rows whose price is missing",
                                    "The price column, if it has a missing value",
                                    "Every row with a missing value in any column",
                                ),
                                true_false(
                                    "Chained assignment such as `df[df.a > 0]['b'] = 1` reliably "
                                    "changes `df`.",
                                    "The first indexing may return a copy, so the assignment can "
                                    "change a temporary object (pandas warns with "
                                    "`SettingWithCopyWarning`). Write `df.loc[df.a > 0, 'b'] = 1`.",
                                    answer=False,
                                ),
                                multiple(
                                    "Which calls return **one row per country**?",
                                    "`sum()` and `agg()` reduce each group to one row; "
                                    "`transform()` returns a result the shape of `df`, one value "
                                    "per original row.",
                                    right=[
                                        "df.groupby('country')['revenue'].sum()",
                                        "df.groupby('country')['revenue'].agg(['sum', 'mean'])",
                                    ],
                                    wrong=["df.groupby('country')['revenue'].transform('sum')"],
                                    points=2,
                                ),
                            ],
                        ),
                    ),
                    SeedLesson(
                        "Exercise: your first analysis",
                        ASSIGNMENT,
                        duration=5400,
                        content=(
                            "Pick a public data set, load it with pandas and answer **one** "
                            "question with a table and a paragraph of explanation.\n"
                        ),
                    ),
                ],
            ),
        ],
    ),
    SeedCourse(
        slug="sql-that-scales",
        title="SQL That Scales",
        subtitle="Queries, indexes and transactions on PostgreSQL",
        description="Write SQL that stays fast when the table grows from a thousand rows to a billion.",
        instructor=LUKAS,
        price=Decimal("19.99"),
        currency="eur",
        status=PUBLISHED,
        modules=[
            SeedModule(
                "Querying",
                "SELECT, JOIN and GROUP BY without surprises.",
                [
                    SeedLesson(
                        "SQL in one sitting",
                        VIDEO,
                        duration=4 * 3600 + 20 * 60,
                        video_url="https://www.youtube.com/watch?v=HXV3zeQKqGY",
                        is_preview=True,
                    ),
                    SeedLesson(
                        "Joins, explained with two tables",
                        TEXT,
                        duration=840,
                        content=(
                            "## INNER versus LEFT\n\n"
                            "```sql\n"
                            "SELECT c.title, count(e.id) AS students\n"
                            "FROM course c\n"
                            "LEFT JOIN enrollment e ON e.course_id = c.id\n"
                            "GROUP BY c.title;\n"
                            "```\n\n"
                            "A `LEFT JOIN` keeps courses without students (count 0); an "
                            "`INNER JOIN` would silently drop them.\n"
                        ),
                    ),
                ],
            ),
            SeedModule(
                "Indexes and transactions",
                "Make reads fast and writes safe.",
                [
                    SeedLesson(
                        "Reading EXPLAIN ANALYZE",
                        TEXT,
                        duration=1500,
                        content=(
                            "## Find the expensive node\n\n"
                            "Run `EXPLAIN (ANALYZE, BUFFERS)` and read the plan from the "
                            "innermost node outwards. A `Seq Scan` on a large table inside a "
                            "loop is the usual culprit; an index on the filtered column turns it "
                            "into an `Index Scan`.\n"
                        ),
                    ),
                    SeedLesson(
                        "Quiz: isolation levels",
                        QUIZ,
                        duration=600,
                        content="Transactions and locks on PostgreSQL. You have ten minutes and "
                        "three attempts, and the questions come in a different order each time.\n",
                        quiz=SeedQuiz(
                            max_attempts=3,
                            time_limit_minutes=10,
                            shuffle_questions=True,
                            questions=[
                                single(
                                    "Which anomaly does `REPEATABLE READ` prevent that "
                                    "`READ COMMITTED` allows?",
                                    "Under `READ COMMITTED` each statement sees what was committed "
                                    "when it started, so reading a row twice can give two answers. "
                                    "`REPEATABLE READ` keeps one snapshot for the whole "
                                    "transaction. PostgreSQL never shows dirty reads.",
                                    "Non-repeatable reads",
                                    "Dirty reads",
                                    "Deadlocks",
                                ),
                                single(
                                    "What does `SELECT … FOR UPDATE` lock?",
                                    "The rows the query returns, until the transaction commits or "
                                    "rolls back; other writers and `FOR UPDATE` readers of those "
                                    "rows wait.",
                                    "The rows it returns, until the transaction ends",
                                    "The whole table, until the statement ends",
                                    "Nothing: it is only a hint to the planner",
                                ),
                                true_false(
                                    "`READ COMMITTED` is PostgreSQL's default isolation level.",
                                    "It is, and it is Django's default on PostgreSQL too.",
                                    answer=True,
                                ),
                                multiple(
                                    "Which statements take row locks?",
                                    "`UPDATE`, `DELETE` and the locking clauses of `SELECT` lock "
                                    "rows; a plain `SELECT` reads a snapshot and locks no row.",
                                    right=["UPDATE", "DELETE", "SELECT … FOR SHARE"],
                                    wrong=["A plain SELECT"],
                                    points=2,
                                ),
                            ],
                        ),
                    ),
                ],
            ),
        ],
    ),
    SeedCourse(
        slug="web-accessibility-in-practice",
        title="Web Accessibility in Practice",
        subtitle="Build pages everyone can use, and test them with a keyboard and a screen reader",
        description=(
            "Accessibility is a quality of the code, not a feature bolted on at the end. This "
            "short course covers semantic HTML, forms, focus and colour contrast.\n"
        ),
        instructor=MAYA,
        price=Decimal("0"),
        currency="usd",
        status=PUBLISHED,
        modules=[
            SeedModule(
                "Semantic HTML",
                "Use the element that means what you mean.",
                [
                    SeedLesson(
                        "HTML crash course",
                        VIDEO,
                        duration=3600 + 2 * 60 + 14,
                        video_id="UB1O30fR-EE",
                        is_preview=True,
                    ),
                    SeedLesson(
                        "Landmarks and headings",
                        TEXT,
                        duration=540,
                        content=(
                            "## One `h1`, then a tree\n\n"
                            "Screen-reader users jump between headings and landmarks. Give each "
                            "page:\n\n"
                            "- one `<h1>` naming the page\n"
                            "- `<header>`, `<nav>`, `<main>` and `<footer>` landmarks\n"
                            "- headings that never skip a level\n\n"
                            "A *skip link* as the first focusable element lets keyboard users "
                            "jump straight to `<main>`.\n"
                        ),
                    ),
                ],
            ),
            SeedModule(
                "Forms and focus",
                "Labels, errors and a visible focus ring.",
                [
                    SeedLesson(
                        "Every input needs a label",
                        TEXT,
                        duration=480,
                        content=(
                            "```html\n"
                            '<label for="email">E-mail</label>\n'
                            '<input id="email" name="email" type="email" autocomplete="email">\n'
                            "```\n\n"
                            "A placeholder is **not** a label: it disappears as soon as the "
                            "user types.\n"
                        ),
                    ),
                    SeedLesson(
                        "Audit a page",
                        ASSIGNMENT,
                        duration=2700,
                        content=(
                            "Choose a public web page and audit it with the keyboard only. "
                            "List three problems, with the WCAG success criterion each breaks "
                            "and a proposed fix.\n"
                        ),
                    ),
                    SeedLesson(
                        "Quiz: accessible forms",
                        QUIZ,
                        duration=240,
                        content="Three questions on labels and contrast.\n",
                        quiz=SeedQuiz(
                            questions=[
                                true_false(
                                    "A placeholder can stand in for a label.",
                                    "A placeholder disappears as soon as the user types, is often "
                                    "low in contrast and is not reliably announced as the field's "
                                    "name.",
                                    answer=False,
                                ),
                                single(
                                    "What contrast ratio does WCAG AA require for body text?",
                                    "4.5:1 for normal text, 3:1 for large text; 7:1 is the AAA level.",
                                    "4.5:1",
                                    "3:1",
                                    "7:1",
                                ),
                                multiple(
                                    "Which of these give an input an accessible name?",
                                    "A `<label>`, `aria-label` and `aria-labelledby` all name the "
                                    "input; text that merely sits next to it is not tied to it.",
                                    right=[
                                        '<label for="email">',
                                        "aria-label",
                                        "aria-labelledby",
                                    ],
                                    wrong=["Text in a <div> next to the input"],
                                ),
                            ],
                        ),
                    ),
                ],
            ),
        ],
    ),
    SeedCourse(
        slug="technical-writing-for-engineers",
        title="Technical Writing for Engineers",
        subtitle="READMEs, design documents and error messages people actually read",
        description="Good documentation is a product. Learn to write it like one.",
        instructor=LUKAS,
        price=Decimal("2500"),
        currency="jpy",
        status=PUBLISHED,
        modules=[
            SeedModule(
                "Writing for a reader",
                "Know who reads, and what they need next.",
                [
                    SeedLesson(
                        "Why documentation fails",
                        VIDEO,
                        duration=615,
                        video_url="https://player.vimeo.com/video/1084537",
                        is_preview=True,
                    ),
                    SeedLesson(
                        "The two-command README",
                        TEXT,
                        duration=660,
                        content=(
                            "## A README answers three questions\n\n"
                            "1. What is this?\n"
                            "2. How do I run it? (ideally: one command)\n"
                            "3. How do I change it safely?\n\n"
                            "Put configuration in a table: variable, default, meaning.\n"
                        ),
                    ),
                    SeedLesson(
                        "Rewrite an error message",
                        ASSIGNMENT,
                        duration=1200,
                        content=(
                            "Find an unhelpful error message in a tool you use. Rewrite it so "
                            "it says *what happened*, *why*, and *what to do next*.\n"
                        ),
                    ),
                ],
            ),
        ],
    ),
    SeedCourse(
        slug="deploying-django-to-production",
        title="Deploying Django to Production",
        subtitle="gunicorn, PostgreSQL, static files and `check --deploy`",
        description="From `runserver` to a real server, without the usual surprises. *Coming soon.*",
        instructor=MAYA,
        price=Decimal("49.00"),
        currency="usd",
        status=DRAFT,
        modules=[
            SeedModule(
                "Before the first deploy",
                "Settings from the environment, secrets kept secret.",
                [
                    SeedLesson(
                        "Twelve-factor settings",
                        TEXT,
                        duration=780,
                        content=(
                            "## Configuration lives in the environment\n\n"
                            "```python\n"
                            "import environ\n\n"
                            "env = environ.Env()\n"
                            'DEBUG = env.bool("DEBUG", default=False)\n'
                            'SECRET_KEY = env.str("SECRET_KEY")\n'
                            "```\n\n"
                            "Run `python manage.py check --deploy` before every release.\n"
                        ),
                    ),
                    SeedLesson(
                        "Serving with gunicorn",
                        VIDEO,
                        duration=1395,
                        video_id="76979871",
                    ),
                ],
            ),
        ],
    ),
    SeedCourse(
        slug="git-without-fear",
        title="Git Without Fear",
        subtitle="Branches, rebases and recovering from mistakes",
        description="A free short course, still being written.",
        instructor=LUKAS,
        price=Decimal("0"),
        currency="usd",
        status=DRAFT,
        modules=[
            SeedModule(
                "Undo anything",
                "The reflog is your safety net.",
                [
                    SeedLesson(
                        "Commits are snapshots",
                        TEXT,
                        duration=420,
                        content=(
                            "A commit records the whole tree, not a diff. `git reflog` lists "
                            "every commit your branch pointed at, so almost nothing is ever "
                            "lost.\n"
                        ),
                    ),
                    SeedLesson(
                        "Quiz: undoing things",
                        QUIZ,
                        duration=180,
                        content="Three questions on getting back what you thought was lost.\n",
                        quiz=SeedQuiz(
                            show_answers=Quiz.ShowAnswers.NEVER,
                            questions=[
                                single(
                                    "What does `git reflog` show?",
                                    "The reflog records every commit `HEAD` (and each branch) "
                                    "pointed at, locally, for about 90 days by default.",
                                    "Every commit HEAD pointed at recently, in this clone",
                                    "The commits on the remote that you have not pulled",
                                    "Files deleted since the last commit",
                                ),
                                true_false(
                                    "`git revert` rewrites history.",
                                    "`git revert` adds a new commit that undoes an earlier one; "
                                    "the history stays, so it is safe on shared branches.",
                                    answer=False,
                                ),
                                multiple(
                                    "Which commands throw away uncommitted changes to a file?",
                                    "`git restore` and the older `git checkout --` both reset the "
                                    "file to the index; `git commit --amend` changes the last "
                                    "commit.",
                                    right=["git restore <file>", "git checkout -- <file>"],
                                    wrong=["git commit --amend"],
                                ),
                            ],
                        ),
                    ),
                ],
            ),
        ],
    ),
]


class Command(BaseCommand):
    help = "Create demo users, courses, modules, lessons and enrollments. Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        self.created = 0
        self._user(ADMIN, superuser=True)
        instructors = {}
        for seed in INSTRUCTORS:
            user = self._user(seed)
            if not user.is_instructor:
                user_make_instructor(user=user)
                self._say(f"  made {user.email} an instructor")
            instructors[seed.email] = user
        students = {seed.email: self._user(seed) for seed in STUDENTS}

        courses = {}
        for seed in COURSES:
            courses[seed.slug] = self._course(seed, instructor=instructors[seed.instructor])

        for email, slug in ENROLLMENTS:
            result = enrollment_create_free(user=students[email], course=courses[slug])
            if result.created:
                self.created += 1
                self._say(f"  enrolled {email} in {slug}")

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({self.created} objects created; {len(COURSES)} courses)."
                if self.created
                else "Demo data already present: nothing changed."
            )
        )
        self.stdout.write("Log in with (e-mail / password):")
        for seed in [ADMIN, *INSTRUCTORS, *STUDENTS]:
            role = "admin" if seed is ADMIN else "instructor" if seed in INSTRUCTORS else "student"
            self.stdout.write(f"  {role:<10} {seed.email:<26} {seed.password}")

    def _say(self, message: str) -> None:
        self.stdout.write(message)

    def _user(self, seed: SeedUser, *, superuser: bool = False) -> User:
        user = User.objects.filter(email__iexact=seed.email).first()
        if user is not None:
            return user
        create = User.objects.create_superuser if superuser else User.objects.create_user
        user = create(
            email=seed.email,
            password=seed.password,
            first_name=seed.first_name,
            last_name=seed.last_name,
            title=seed.title,
            bio=seed.bio,
        )
        self.created += 1
        self._say(f"Created user {user.email}")
        return user

    def _course(self, seed: SeedCourse, *, instructor: User) -> Course:
        course = Course.objects.filter(slug=seed.slug).first()
        created = course is None
        if created:
            course = course_save(
                course=Course(
                    slug=seed.slug,
                    title=seed.title,
                    subtitle=seed.subtitle,
                    description=seed.description,
                    instructor=instructor,
                    price=seed.price,
                    currency=seed.currency,
                    status=seed.status,
                ),
                author=instructor,
            )
        self.created += created
        self._say(f"{'Created' if created else 'Found'} course {course.slug}")
        for module_seed in seed.modules:
            # New rows go last: in a fresh course that is the seed's order; in one an
            # instructor has since rearranged, their order is kept.
            module = Module.objects.filter(course=course, title=module_seed.title).first()
            if module is None:
                module = module_save(
                    module=Module(course=course, title=module_seed.title, description=module_seed.description)
                )
                self.created += 1
            for lesson_seed in module_seed.lessons:
                lesson = Lesson.objects.filter(module=module, title=lesson_seed.title).first()
                if lesson is None:
                    lesson = self._lesson(lesson_seed, module=module)
                if lesson_seed.quiz is not None and lesson.kind == Lesson.Kind.QUIZ:
                    self._quiz(lesson_seed.quiz, lesson=lesson)
            lessons_renumber(module=module)  # a no-op unless someone left gaps
        modules_renumber(course=course)
        return course

    def _lesson(self, seed: SeedLesson, *, module: Module) -> Lesson:
        lesson = lesson_save(
            lesson=Lesson(
                module=module,
                title=seed.title,
                kind=seed.kind,
                duration=seed.duration,
                description=seed.description,
                video_url=seed.video_url,
                video_id=seed.video_id,
                content=seed.content,
                is_preview=seed.is_preview,
            )
        )
        self.created += 1
        self._say(f"  + lesson {module.title} / {seed.title}")
        return lesson

    def _quiz(self, seed: SeedQuiz, *, lesson: Lesson) -> Quiz:
        quiz = Quiz.objects.filter(lesson=lesson).first()
        created = quiz is None
        if created:
            quiz = quiz_save(
                quiz=Quiz(
                    lesson=lesson,
                    pass_mark=seed.pass_mark,
                    max_attempts=seed.max_attempts,
                    time_limit_minutes=seed.time_limit_minutes,
                    shuffle_questions=seed.shuffle_questions,
                    show_answers=seed.show_answers,
                )
            )
        self.created += created
        prompts = set(quiz.questions.values_list("prompt", flat=True))
        added = 0
        for question_seed in seed.questions:
            if question_seed.prompt in prompts:
                continue
            question_create(
                quiz=quiz,
                kind=question_seed.kind,
                prompt=question_seed.prompt,
                explanation=question_seed.explanation,
                points=question_seed.points,
                choices=question_seed.choices,
            )
            added += 1
            self.created += 1 + len(question_seed.choices)
        if created or added:
            self._say(f"  + quiz {lesson.title}: {added} question{'s' if added != 1 else ''}")
        return quiz
