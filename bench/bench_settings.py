"""Settings for the report API benchmark's server: the project's own, plus one URL.

Only bench/report_api.py uses this module (DJANGO_SETTINGS_MODULE=bench_settings with
bench/ on the path), so the baseline endpoint never exists in a real deployment.
"""

from pollwatch.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
