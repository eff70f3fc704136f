"""The WSGI application (gunicorn `config.wsgi`, deploy/Procfile).

A web process is ready before its first request: the URLconf, and with it every view, is
imported now instead of on that request. Then everything made so far (modules, classes,
templates' code, settings), which lives as long as the process, is frozen out of the cyclic
garbage collector's sight (`gc.freeze`): Python's collector otherwise walks those hundreds of
thousands of objects again in each of its full passes, which a busy process runs every few
hundred requests, and they were about a tenth of a respondent's request
(bench/RESULTS.md, "Respondents")."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _ready() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and the views
    gc.collect()
    gc.freeze()


_ready()
