"""The platform's WSGI application (config/wsgi.py, as deployed) with the benchmarks' settings."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from config.wsgi import application  # noqa: E402, F401 - after the settings are chosen
