"""Settings for the test suite: the real settings with a throwaway key and fast hashing."""

import os
import tempfile

os.environ.setdefault("POLLWATCH_INSECURE_DEV_KEY", "true")

from pollwatch.settings import *  # noqa: E402,F403

# Hashing strength is not under test; a slow hasher would dominate the suite's time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

# A file, not SQLite's default in-memory test database: tests that start a real
# server process, or write from several threads, must all see the same database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per test process, so two runs at once do not share a database.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"pollwatch-test-{os.getpid()}.sqlite3")
    }

# Tests serve static files from the app folders; whitenoise still wants its root to exist.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# Exports go to a throwaway folder; tasks run in the request so a test sees the result.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="pollwatch-media-"))  # noqa: F405
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
