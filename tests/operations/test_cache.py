"""The Redis cache backend treats Redis being away as a miss (operations/cache.py)."""

import logging

import pytest
from django.urls import reverse

from operations.cache import REDIS_CACHE

CLOSED_PORT = "redis://127.0.0.1:6399/0"  # nothing listens here


@pytest.fixture
def cache_unreachable(settings):
    settings.CACHES = {"default": {"BACKEND": "operations.cache.ResilientRedisCache", "LOCATION": CLOSED_PORT}}
    REDIS_CACHE.reset()
    yield
    REDIS_CACHE.reset()


def test_an_unreachable_redis_is_a_miss_and_one_warning(cache_unreachable, caplog):
    from django.core.cache import cache

    # when every kind of call meets a Redis that refuses connections
    with caplog.at_level(logging.WARNING, logger="operations.outage"):
        results = [
            cache.get("k", "default"),
            cache.get_many(["a", "b"]),
            cache.set("k", 1),
            cache.set_many({"a": 1}),
            cache.add("k", 1),
            cache.delete("k"),
            cache.has_key("k"),
            cache.get_or_set("k", 7),
        ]
        with pytest.raises(ValueError):  # as for a missing key
            cache.incr("k")

    # then each answers as a miss, and the outage is logged once, without the address
    assert results == ["default", {}, None, [], False, False, False, 7]
    warnings = [record.getMessage() for record in caplog.records]
    assert warnings == [
        "Redis (cache) unreachable (ConnectionError): cache reads are misses and writes are dropped until it answers"
    ]
    assert REDIS_CACHE.is_down()


def test_respondent_pages_and_the_lost_link_limit_work_without_the_cache(
    cache_unreachable, client, chief_token, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("surveys.tasks.lost_link_send_task.delay", lambda **kwargs: None)
    # the compiled questionnaire is worked out again on every request
    assert client.get(reverse("respondent-landing", args=[chief_token])).status_code == 200
    assert client.get(reverse("respondent-section", args=[chief_token, "settlement"])).status_code == 200
    saved = client.post(
        reverse("respondent-autosave", args=[chief_token, "settlement"]),
        {"question": "Q04", "version": 0, "Q04": "yes"},
    )
    assert saved.json()["status"] == "saved"
    # and the lost-link limit fails open: no count, no 429
    statuses = [client.post(reverse("respondent-lost-link"), {"email": "a@b.no"}).status_code for _ in range(7)]
    assert statuses == [200] * 7
