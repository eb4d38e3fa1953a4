from __future__ import annotations

from openelements.hubs.access import AccessCache, HubInstance

INSTANCE = HubInstance(instance_id=42, element_key="microsoftgraph", filter_nulls=True)


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_resolved_header_is_served_from_the_cache_until_the_ttl_ends() -> None:
    ticks = Ticks()
    cache = AccessCache(ttl_seconds=3, monotonic=ticks)
    key = AccessCache.key_of("User a, Element b")
    cache.put(key, INSTANCE)
    ticks.now += 2.9
    assert cache.get(key) == INSTANCE
    ticks.now += 0.2
    assert cache.get(key) is None


def test_the_key_is_a_digest_not_the_secret_and_differs_per_header() -> None:
    key = AccessCache.key_of("User secret-value, Element token-value")
    assert "secret-value" not in key
    assert len(key) == 64
    assert key != AccessCache.key_of("User secret-value, Element other-token")
