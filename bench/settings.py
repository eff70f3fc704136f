"""Settings for the benchmarks: the platform's own, plus the ceiling views of bench/urls.py."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
