"""What a process remembers (core/lru.py): bounded, least recently used forgotten first."""

from app.core.lru import Lru


def test_the_least_recently_used_entry_is_forgotten_first() -> None:
    memory = Lru[str, int](size=2)
    memory.put("a", 1)
    memory.put("b", 2)
    assert memory.get("a") == 1  # now b is the least recent
    memory.put("c", 3)
    assert "b" not in memory and memory.get("b") is None
    assert memory.get("a") == 1
    assert memory.get("c") == 3
