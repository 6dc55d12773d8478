"""Search terms: what `q` matches. Not a text index (not every server the service runs on has
one), so each ticket stores its words, normalised (accents and case folded), with their
prefixes of 3+ characters, in a multikey `terms` array; a query matches a ticket that holds
every query word. Both servers plan `{terms: word}` on the same index; MongoDB's `$text` or
Atlas Search can later answer the same `q` parameter."""

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

MIN_PREFIX = 3
MAX_WORD = 24  # longer words are stored (and searched) by their first 24 characters
MAX_TERMS = 4000  # per ticket: replies stop adding words past this
MAX_QUERY_WORDS = 8
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The normalised words of `text`: accents removed, case folded, split on non-word."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [w[:MAX_WORD] for w in _WORD.findall(bare)]


def terms_of(*texts: str | None) -> list[str]:
    """The stored terms of some texts: each word and each of its prefixes of 3+ characters."""
    found: set[str] = set()
    for text in texts:
        for word in words(text or ""):
            found.add(word)
            found.update(word[:n] for n in range(MIN_PREFIX, len(word)))
    return sorted(found)


def query_terms(q: str) -> list[str]:
    """The terms a ticket must all hold to match `q` (distinct, longest first: the most
    selective leads the index range)."""
    unique = dict.fromkeys(words(q))
    return sorted(unique, key=len, reverse=True)[:MAX_QUERY_WORDS]


def add_terms(field: str, new: list[str]) -> dict[str, Any]:
    """An update-pipeline expression: the stored terms plus `new`, unless already MAX_TERMS.
    (Adds to what is stored, so concurrent replies both count.)"""
    stored = {"$ifNull": [field, []]}
    return {"$cond": [{"$lt": [{"$size": stored}, MAX_TERMS]}, {"$setUnion": [stored, new]}, field]}


def holds_all(terms: Iterable[str], wanted: Iterable[str]) -> bool:
    return set(wanted) <= set(terms)
