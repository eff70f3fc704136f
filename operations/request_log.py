"""One log line per request, and the helper views use to add what they know to it.

    from operations.request_log import log_context_add
    log_context_add(request, survey_id=survey.pk, municipality=municipality.number)

The line (logger `operations.request`, event "request") holds the method, the path
with any invitation token redacted (never the query string), the URL name, the
status, the duration in milliseconds, the staff user's id, and whatever the view
added: the round (`survey_id`) and the municipality's number. Staff URLs that carry
`survey_id` fill it in without the view's help. Never put answers, names, e-mail
addresses or tokens into the context.
"""

import logging
import time

from django.conf import settings
from django.utils.functional import empty

from operations.logging import redact

logger = logging.getLogger("operations.request")

# The fields a view may add; anything else is refused, so a slip cannot log an answer.
LOG_CONTEXT_FIELDS = frozenset({"survey_id", "municipality", "section", "question", "export_id", "report_id"})


def log_context_add(request, **fields) -> None:
    """Adds ids the view knows (survey_id, municipality, ...) to this request's log line."""
    unknown = set(fields) - LOG_CONTEXT_FIELDS
    if unknown:
        raise ValueError(f"Not a request log field: {', '.join(sorted(unknown))}")
    context = getattr(request, "log_context", None)
    if context is None:
        context = request.log_context = {}
    context.update({key: value for key, value in fields.items() if value is not None})


def _user_id(request) -> int | None:
    # Only a user the request already loaded: looking one up here would cost a
    # session read on every respondent request.
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty or wrapped is None or not getattr(wrapped, "is_authenticated", False):
        return None
    return wrapped.pk


class RequestLogMiddleware:
    """Outermost middleware: times the whole request and writes its line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.log_context = {}
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        path = redact(request.path)
        match = getattr(request, "resolver_match", None)
        fields = {
            "event": "request",
            "method": request.method,
            "path": path,
            "route": match.url_name if match else None,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user_id": _user_id(request),
            **request.log_context,
        }
        fields = {key: value for key, value in fields.items() if value is not None}
        logger.log(self._level(request, response), "%s %s %s", request.method, path, response.status_code, extra=fields)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        survey_id = view_kwargs.get("survey_id")
        if isinstance(survey_id, int):
            request.log_context.setdefault("survey_id", survey_id)

    @staticmethod
    def _level(request, response) -> int:
        if response.status_code >= 500:
            return logging.ERROR
        # A load balancer's polling and static files would drown the rest.
        quiet = request.path == "/health/" or request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
        if quiet and response.status_code < 400:
            return logging.DEBUG
        return logging.INFO
