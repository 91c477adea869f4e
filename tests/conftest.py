import zlib

import factory.random
import pytest

from tests.factories import (
    PASSWORD,
    InstructorFactory,
    SuperuserFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s a user; tests are not about the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _same_fake_data_every_run(request):
    # Faker names differ run to run unless seeded: a test that collided with a random
    # name ("Grace Martin" the instructor vs "Grace" the student) failed once in CI and
    # passed on rerun. Seeded by the test's id, a test sees the same names every run.
    factory.random.reseed_random(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_MEDIA_ROOT = tmp_path / "media-public"


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits and anything else cached must not leak between tests.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def student(db):
    return UserFactory(email="student@example.com")


@pytest.fixture
def instructor(db):
    return InstructorFactory(email="instructor@example.com", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def other_instructor(db):
    return InstructorFactory(email="other@example.com")


@pytest.fixture
def superuser(db):
    return SuperuserFactory(email="admin@example.com")
