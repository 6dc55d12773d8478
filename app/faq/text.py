"""From customer words to index terms: accents folded, lower case, stop words dropped (bm25s'
English list), a few delivery synonyms mapped onto the FAQ's own words, then Snowball stems
(PyStemmer). The same function reads the FAQ and the query, so both meet on one vocabulary."""

import re
import unicodedata

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(STOPWORDS_EN_PLUS)
QUERY_CHARS = 200  # what is kept of a query for the unanswered-questions list

# Other words customers use for what the FAQ says, measured on the labelled set
# (docs/self-service.md): each maps to words the FAQ uses. Kept small and domain-specific.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "broken": ("damaged",),
    "broke": ("damaged", "stopped", "working"),
    "smashed": ("damaged",),
    "cracked": ("damaged",),
    "crushed": ("damaged",),
    "dented": ("damaged",),
    "pictures": ("photos",),
    "picture": ("photos",),
    "delayed": ("late",),
    "delay": ("late",),
    "overdue": ("late",),
    "stuck": ("transit", "lost"),
    "stolen": ("lost",),
    "disappeared": ("lost",),
    "money": ("refund",),
    "reimburse": ("refund",),
    "purchase": ("order",),
    "product": ("item",),
    "device": ("item",),
    "defective": ("stopped", "working"),
    "faulty": ("stopped", "working"),
    "courier": ("carrier",),
    "driver": ("carrier",),
    "redeliver": ("rebook",),
    "reschedule": ("rebook",),
    "schedule": ("choose", "date"),
    "neighbor": ("neighbour",),
    "tax": ("duties", "vat"),
    "taxes": ("duties", "vat"),
    "login": ("password",),
    "log": ("password",),
    "sign": ("password",),
    "open": ("opening",),
    "phone": ("reach", "contact"),
    "review": ("rate",),
    "rating": ("rate",),
    "request": ("ticket",),
    "status": ("follow",),
    "ripped": ("torn",),
    "seal": ("packaging",),
    "half": ("part", "missing"),
}

_stemmer = Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Lower case without accents: "Délivrée" and "delivree" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The folded words of `text` that carry meaning (no stop words)."""
    return [w for w in WORD.findall(fold(text)) if w not in STOPWORDS]


def stems(found: list[str], *, synonyms: bool = True) -> list[str]:
    expanded = [*found]
    if synonyms:
        expanded += [s for w in found for s in SYNONYMS.get(w, ())]
    result: list[str] = _stemmer.stemWords(expanded)
    return result


def normalised_query(text: str) -> str:
    """The query as the unanswered list groups it: folded words, single spaces."""
    return " ".join(WORD.findall(fold(text)))[:QUERY_CHARS]
