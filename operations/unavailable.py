"""A friendly answer when the database does not answer, instead of a server error.

While PostgreSQL restarts (or fails over) every request that needs it fails. Django's
handler500 is the one place every such failure reaches, whether it was raised in a view
or in a middleware (the session, the messages); `server_error` answers it with 503 and
`Retry-After`: the autosave gets `{"status": "unavailable", ...}`, so the page's script
says honestly that the answer is not saved yet and tries again (static/js/autosave.js),
and every other page a short Norwegian (or Nynorsk, or English) explanation without a
traceback. Any other error is still the plain 500. With CONN_HEALTH_CHECKS a process
finds its connection broken at the start of the next request and opens a new one, so
nothing needs restarting once the database is back (docs/operations.md, "Faults").
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy
from django.views.defaults import server_error as django_server_error

DATABASE_UNREACHABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 10
JSON_ROUTES = {"respondent-autosave"}
NOT_SAVED = gettext_lazy("Not saved yet: the service is temporarily unavailable. Your answer is still on the page.")


def _route(request) -> str:
    if request.resolver_match is not None:
        return request.resolver_match.url_name or ""
    try:
        return resolve(request.path_info).url_name or ""
    except Resolver404:
        return ""


def unavailable_response(request) -> HttpResponse:
    """503: the database did not answer; JSON for the autosave, a page for the rest."""
    if _route(request) in JSON_ROUTES:
        response = JsonResponse(
            {
                "status": "unavailable",
                "message": str(NOT_SAVED),
            },
            status=503,
        )
    else:
        response = HttpResponse(render_to_string("unavailable.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request) -> HttpResponse:
    """handler500: called by Django while it handles the exception, so sys.exc_info() holds it."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNREACHABLE):
        return unavailable_response(request)
    return django_server_error(request)
