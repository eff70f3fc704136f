"""Django's PostgreSQL backend, with a kept connection checked without a round trip.

With CONN_HEALTH_CHECKS, Django checks a kept connection before each request uses it, so a
process reconnects by itself after the database restarts (docs/operations.md, "Faults").
Django checks by sending `SELECT 1`: a round trip on every request. A connection the server
has closed (a restart, an idle timeout, a terminated backend) has its end of the socket
readable, with the server's last message or the end of the stream, while an idle healthy
one has nothing to read (the platform never LISTENs). So looking at the socket tells the same,
for the requests that matter, without asking the server. A connection cut without the server
closing it (a network partition) passes the look; its first query fails, the request gets the
clean 503, and Django drops the connection after it, as it does for any database error.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        try:
            poller = select.poll()  # not select(): a process may hold descriptors past 1024
            poller.register(self.connection.fileno(), select.POLLIN | select.POLLPRI)
            ready = poller.poll(0)
        except (OSError, ValueError):
            return False
        return not ready
