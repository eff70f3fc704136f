"""The kept connection's health check looks at the socket instead of asking the server."""

import pytest
from django.db import connection, connections

from tests.support import wait_until


@pytest.fixture
def kept(db):
    """A second connection to the test database, as a web process keeps one, and its server pid."""
    kept = connections.create_connection("default")
    kept.ensure_connection()
    with kept.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    yield kept, pid
    kept.close()


def test_a_healthy_idle_connection_is_usable_and_one_the_server_closed_is_not(kept):
    kept, pid = kept
    assert kept.is_usable()

    # when: the server ends that session, as a restart or an idle timeout would
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    # then: the check tells, without a query of its own
    wait_until(lambda: not kept.is_usable(), timeout=5, what="the closed connection to show")
    assert kept.vendor == "postgresql" and type(kept).__module__ == "operations.postgresql.base"


def test_the_check_sends_nothing_to_the_server(kept):
    kept, pid = kept

    for _ in range(5):
        assert kept.is_usable()

    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        last_query = cursor.fetchone()[0]
    assert last_query == "SELECT pg_backend_pid()"
