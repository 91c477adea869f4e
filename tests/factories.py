"""factory_boy factories shared by every test module."""

from decimal import Decimal

import factory
from django.contrib.auth.hashers import make_password

from courses.models import Course, Lesson, Module
from enrollments.models import Enrollment
from lms.models import User
from notifications.models import Notification
from payments.models import Purchase

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.LazyFunction(lambda: make_password(PASSWORD))


class InstructorFactory(UserFactory):
    is_instructor = True
    is_staff = True
    title = "Senior engineer"
    bio = "Teaches what they ship."

    @factory.post_generation
    def instructors_group(self, create, extracted, **kwargs):
        if create:
            from lms.services import instructors_group_sync

            self.groups.add(instructors_group_sync())


class SuperuserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    title = factory.Sequence(lambda n: f"Course {n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    subtitle = "Learn it properly"
    description = "A *thorough* course."
    price = Decimal("0")
    currency = "usd"
    instructor = factory.SubFactory(InstructorFactory)
    status = Course.Status.PUBLISHED


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Module {n}")
    order = factory.Sequence(lambda n: n)


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    module = factory.SubFactory(ModuleFactory)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    kind = Lesson.Kind.TEXT
    duration = 300
    content = "Lesson body"
    order = factory.Sequence(lambda n: n)


class PurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purchase

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory, price=Decimal("49.00"))
    amount = factory.LazyAttribute(lambda o: o.course.price)
    currency = factory.LazyAttribute(lambda o: o.course.currency)
    stripe_session_id = factory.Sequence(lambda n: f"cs_test_{n:08d}")


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Notification {n}")


def course_with_curriculum(*, modules: int = 2, lessons_per_module: int = 3, **course_fields) -> Course:
    """A course with `modules` × `lessons_per_module` lessons, orders dense from 0.
    The first lesson is a preview."""
    course = CourseFactory(**course_fields)
    for m in range(modules):
        module = ModuleFactory(course=course, order=m, title=f"Module {m + 1}")
        Lesson.objects.bulk_create(
            Lesson(
                module=module,
                title=f"Lesson {m + 1}.{i + 1}",
                kind=Lesson.Kind.TEXT,
                duration=60 * (i + 1),
                content=f"Secret content {m + 1}.{i + 1}",
                order=i,
                is_preview=(m == 0 and i == 0),
            )
            for i in range(lessons_per_module)
        )
    return course
