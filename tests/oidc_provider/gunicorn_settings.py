"""gunicorn for the test provider: quiet, and quick to stop."""

graceful_timeout = 2
loglevel = "warning"
