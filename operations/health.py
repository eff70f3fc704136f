"""GET /health/: can this web process serve? For a load balancer and for monitoring.

Checks the database, the Celery broker, the cache and whether any Celery worker
answers a ping, each with a short timeout, and answers JSON:

    {"status": "ok" | "degraded" | "unavailable",
     "checks": {"database": {"status": "ok", "ms": 0.8}, "broker": {...},
                "cache": {...}, "workers": {"status": "ok" | "none" | "not checked" | "error"}}}

503 ("unavailable") when the database cannot be reached: this process can then
neither save an answer nor show a page. Missing workers, a failing cache and a failing
broker make it "degraded" but still 200: every web process shares the same workers and
Redis, so taking web processes out of a load balancer would only turn respondents away,
while answers still save, the cache's misses are worked out again and work for the
workers waits (in the queue, or in the outbox while the broker is away: operations/outbox.py).
No login, no personal data, no host names or error texts (which may hold a URL
with a password): only each check's status, its time and an error's class name.
"""

import time
from collections.abc import Callable

import redis
from celery import current_app as app  # the platform's (config/celery.py), which Django loads with its settings
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

TIMEOUT_SECONDS = 1.0
# A ping with no worker waits the whole timeout: the answer is shared by every web
# process through the cache for this long, so a load balancer polling each of them
# every few seconds costs one ping now and then.
WORKERS_CACHE_SECONDS = 15
WORKERS_CACHE_KEY = "operations:health:workers"

OK, ERROR = "ok", "error"


def _timed(check: Callable[[], None]) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:  # every failure is an answer here, never a 500
        return {"status": ERROR, "error": type(error).__name__}
    return {"status": OK, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _redis_ping(url: str) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
    try:
        client.ping()
    finally:
        client.close()


def _is_redis(url: str) -> bool:
    return url.startswith(("redis://", "rediss://", "unix://"))


def check_database() -> dict:
    def select_one() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    return _timed(select_one)


def check_broker() -> dict:
    url = app.conf.broker_url
    if _is_redis(url):
        return _timed(lambda: _redis_ping(url))

    def connect() -> None:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)

    return _timed(connect)


def check_cache() -> dict:
    backend = settings.CACHES["default"]
    if backend["BACKEND"].endswith("RedisCache"):
        locations = backend["LOCATION"]
        locations = [locations] if isinstance(locations, str) else locations
        return _timed(lambda: [_redis_ping(location) for location in locations])

    def write_and_read() -> None:
        cache.set("operations:health:cache", 1, timeout=10)
        if cache.get("operations:health:cache") != 1:
            raise LookupError("cache did not keep a value")

    return _timed(write_and_read)


def _workers_ping() -> dict:
    try:
        replies = app.control.ping(timeout=TIMEOUT_SECONDS, limit=1)
    except NotImplementedError:  # a transport without broadcast
        return {"status": "not checked"}
    except Exception as error:
        return {"status": ERROR, "error": type(error).__name__}
    return {"status": OK} if replies else {"status": "none"}


def check_workers(*, broker_ok: bool, cache_ok: bool) -> dict:
    if not broker_ok:
        return {"status": "not checked"}
    if cache_ok:
        try:
            cached = cache.get(WORKERS_CACHE_KEY)
        except Exception:
            cached = None
        if cached is not None:
            return cached
    result = _workers_ping()
    if cache_ok:
        try:
            cache.set(WORKERS_CACHE_KEY, result, timeout=WORKERS_CACHE_SECONDS)
        except Exception:
            pass
    return result


def health_report() -> tuple[dict, bool]:
    """The report and whether this process can serve (the database reachable)."""
    checks = {"database": check_database(), "broker": check_broker(), "cache": check_cache()}
    checks["workers"] = check_workers(
        broker_ok=checks["broker"]["status"] == OK, cache_ok=checks["cache"]["status"] == OK
    )
    serving = checks["database"]["status"] == OK
    if not serving:
        status = "unavailable"
    elif (
        checks["broker"]["status"] == OK
        and checks["cache"]["status"] == OK
        and checks["workers"]["status"] in {OK, "not checked"}
    ):
        status = "ok"
    else:
        status = "degraded"
    return {"status": status, "checks": checks}, serving


@never_cache
def health(request):
    report, serving = health_report()
    return JsonResponse(report, status=200 if serving else 503)
