"""The spans list windows learn (core/pagination.py): bounded, least recently used forgotten
first, never narrower than the smallest span."""

from datetime import timedelta

from app.core.pagination import SMALLEST_SPAN, SpanMemory


def scope(name: str) -> tuple[str, str, str]:
    return ("db.tickets", "order_key", name)


def test_the_least_recently_used_scope_is_forgotten_first() -> None:
    memory = SpanMemory(size=2)
    memory.learn(scope("a"), timedelta(hours=1))
    memory.learn(scope("b"), timedelta(hours=2))
    assert memory.recall(scope("a")) == timedelta(hours=1)  # now b is the least recent
    memory.learn(scope("c"), timedelta(hours=3))
    assert memory.recall(scope("b")) is None
    assert memory.recall(scope("a")) == timedelta(hours=1)
    assert memory.recall(scope("c")) == timedelta(hours=3)


def test_a_span_is_never_narrower_than_the_smallest() -> None:
    memory = SpanMemory()
    memory.learn(scope("a"), timedelta(0))
    memory.learn(scope("b"), -timedelta(minutes=5))  # a deadline already past
    assert memory.recall(scope("a")) == memory.recall(scope("b")) == SMALLEST_SPAN
