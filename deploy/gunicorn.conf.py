"""gunicorn settings for the web processes: `gunicorn config.wsgi --config deploy/gunicorn.conf.py`.

Processes per host come from WEB_CONCURRENCY (gunicorn's own variable; default 4,
about two per core). No access log: the platform's request middleware logs each
request as a JSON line with the invitation token redacted (operations/request_log.py).
gunicorn's own messages go out in the same JSON format, through the same redaction
filter (LOG_FORMAT=text for a terminal).
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# Anything slow (reports, exports, mass e-mail) runs in a worker; a request that takes
# this long is stuck, and its process is replaced.
timeout = 60
graceful_timeout = 30
# Recycle a process now and then, so that a slow leak cannot grow for weeks.
max_requests = 2000
max_requests_jitter = 200
# Only the local proxy may say the request came over HTTPS (Django reads
# X-Forwarded-Proto itself: SECURE_PROXY_SSL_HEADER in config/settings.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Several gunicorn masters on one host would share the default control socket path;
# systemd's signals (HUP to reload, TERM to stop) are the controls used here.
control_socket_disable = True

accesslog = None
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "operations.logging.TokenRedactionFilter"}},
    "formatters": {
        "json": {"()": "operations.logging.JsonFormatter"},
        "text": {"()": "operations.logging.TextFormatter"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": os.environ.get("LOG_FORMAT", "json"),
            "filters": ["redact_tokens"],
        }
    },
    # gunicorn's default root names a handler replaced here; Django sets the root again.
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        # Off: the request middleware's line says the same and more. Its handler is the
        # redacting one, so turning it on (level INFO) would not log a token either.
        "gunicorn.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}
