"""What this process knows about a server that stopped answering (Redis as cache or broker).

After a connection error or a timeout, callers leave the server alone for a few seconds:
a stopped Redis refuses at once, but a hung one costs a whole socket timeout, and that
should be paid once per process now and then, not by every request. The warning is
logged at most once a minute, with the error's class name only (its text may name a host
or hold a URL with a password).
"""

import logging
import threading
import time

logger = logging.getLogger("operations.outage")


class Outage:
    """One server's state as this process saw it. Shared by the process's threads: a race
    costs at most one extra attempt or one extra warning."""

    def __init__(self, name: str, *, pause_seconds: float = 10.0, warn_every_seconds: float = 60.0):
        self.name = name
        self.pause_seconds = pause_seconds
        self.warn_every_seconds = warn_every_seconds
        self._lock = threading.Lock()
        self._skip_until = 0.0
        self._next_warning = 0.0

    def is_down(self) -> bool:
        """True for a few seconds after a failure: do not try the server now."""
        return time.monotonic() < self._skip_until

    def failed(self, error: BaseException, *, consequence: str) -> None:
        """Records a failure; `consequence` says what the caller does instead, for the log."""
        now = time.monotonic()
        with self._lock:
            self._skip_until = now + self.pause_seconds
            warn = now >= self._next_warning
            if warn:
                self._next_warning = now + self.warn_every_seconds
        if warn:
            logger.warning(
                "%s unreachable (%s): %s", self.name, type(error).__name__, consequence, extra={"event": "outage"}
            )

    def reset(self) -> None:
        """Forgets the failure (tests, and a caller that knows the server is back)."""
        with self._lock:
            self._skip_until = 0.0
            self._next_warning = 0.0
