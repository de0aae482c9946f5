import pytest


@pytest.fixture
def reference_data(db):
    """Regions, provinces and the three real bandi, as load_reference_data leaves them."""
    from apps.domande.reference import load_reference_data

    load_reference_data()


@pytest.fixture(autouse=True)
def _test_defaults(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SMS_BACKEND = "apps.core.sms.LocmemSmsBackend"
    # Rate-limit counters per test, in memory: never shared with the other xdist worker through Redis.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()
    # The process cache of reference rows (apps.core.riferimenti) never carries one test's rows to another.
    from apps.core import riferimenti

    riferimenti.svuota()
    # Every test starts in Italian: a request in another language leaves the thread in it (the middleware
    # activates the user's language and nothing switches it back between tests).
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    # Jobs run in-process in tests, even when REDIS_URL points to a live broker.
    from bonuspsi.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
