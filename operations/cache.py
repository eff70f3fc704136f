"""The cache backend for Redis: Django's RedisCache, except that Redis being away is a miss.

The cache only ever holds what can be worked out again (the compiled questionnaire,
rate-limit counters, the health check's worker ping), so when Redis stops or hangs the
pages must go on without it. Django's RedisCache raises on a connection error; this one
answers as if the key were not there: `get` gives the default, `get_many` nothing, `add`
and `delete` False, `set` and `set_many` keep nothing, and `incr` raises ValueError as for
a missing key. After a failure the process leaves Redis alone for a few seconds (a hung
server costs one socket timeout, see `CACHES` in config/settings.py) and logs a warning
at most once a minute (operations.outage).

Why a backend and not try/except at the call sites: every call site (the questionnaire
plan, the compiled forms, the lost-link limit, whatever comes next) gets the same rule
without knowing about it, and the tests of the call sites stay as they are.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from operations.outage import Outage

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
REDIS_CACHE = Outage("Redis (cache)")
CONSEQUENCE = "cache reads are misses and writes are dropped until it answers"


class _Missing(Exception):
    """Raised inside the client when Redis is away; each method turns it into its miss."""


class ResilientRedisCacheClient(RedisCacheClient):
    def _call(self, method, *args):
        if REDIS_CACHE.is_down():
            raise _Missing
        try:
            return method(*args)
        except UNREACHABLE as error:
            REDIS_CACHE.failed(error, consequence=CONSEQUENCE)
            raise _Missing from error

    def add(self, key, value, timeout):
        try:
            return self._call(super().add, key, value, timeout)
        except _Missing:
            return False

    def get(self, key, default):
        try:
            return self._call(super().get, key, default)
        except _Missing:
            return default

    def set(self, key, value, timeout):
        try:
            self._call(super().set, key, value, timeout)
        except _Missing:
            pass

    def touch(self, key, timeout):
        try:
            return self._call(super().touch, key, timeout)
        except _Missing:
            return False

    def delete(self, key):
        try:
            return self._call(super().delete, key)
        except _Missing:
            return False

    def get_many(self, keys):
        try:
            return self._call(super().get_many, keys)
        except _Missing:
            return {}

    def has_key(self, key):
        try:
            return self._call(super().has_key, key)
        except _Missing:
            return False

    def incr(self, key, delta):
        try:
            return self._call(super().incr, key, delta)
        except _Missing:
            raise ValueError(f"Key '{key}' not found (the cache is unreachable).") from None

    def set_many(self, data, timeout):
        try:
            self._call(super().set_many, data, timeout)
        except _Missing:
            pass

    def delete_many(self, keys):
        try:
            self._call(super().delete_many, keys)
        except _Missing:
            pass


class ResilientRedisCache(RedisCache):
    """RedisCache whose connection errors and timeouts are misses (see the module's docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient
