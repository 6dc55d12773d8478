"""The FAQ's relevance ranking: two BM25 indexes (bm25s), one of the questions and one of the
answers, their scores added with the question's weighted above (QUESTION_WEIGHT). A query word
the FAQ does not know is read as the FAQ word it is closest to (rapidfuzz), for misspellings.
Built in memory from the whole FAQ: it has tens to hundreds of entries (docs/self-service.md
has the measurements and the alternatives)."""

from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
from rapidfuzz import fuzz, process

from app.faq.text import SYNONYMS, stems, words

QUESTION_WEIGHT = 2.0
FUZZY_CUTOFF = 80  # rapidfuzz ratio (0-100) a misspelt word needs to count as an FAQ word
FUZZY_MIN_LENGTH = 4  # shorter words match too many others


@dataclass(frozen=True)
class Entry:
    id: str
    question: str
    answer: str
    category: str


@dataclass(frozen=True)
class Ranked:
    entry: Entry
    score: float


def _index(texts: list[list[str]]) -> bm25s.BM25:
    index = bm25s.BM25()
    # bm25s cannot index a text of no words: such an entry gets a word nothing matches.
    index.index([t or [""] for t in texts], show_progress=False)
    return index


class FaqRanking:
    def __init__(
        self,
        entries: Sequence[Entry],
        *,
        question_weight: float = QUESTION_WEIGHT,
        fuzzy: bool = True,
        synonyms: bool = True,
    ) -> None:
        self.entries = list(entries)
        self.question_weight = question_weight
        self.fuzzy = fuzzy
        self.synonyms = synonyms
        question_words = [words(e.question) for e in self.entries]
        answer_words = [words(e.answer) for e in self.entries]
        self.known = {w for ws in (*question_words, *answer_words) for w in ws} | set(SYNONYMS)
        self.known_stems = set(stems(sorted(self.known), synonyms=False))
        self._known_list = sorted(self.known)
        if self.entries:
            self.questions = _index([stems(ws, synonyms=False) for ws in question_words])
            self.answers = _index([stems(ws, synonyms=False) for ws in answer_words])

    def _spelled(self, word: str) -> str:
        """`word`, or the known word it is most likely a misspelling of."""
        if not self.fuzzy or word in self.known or len(word) < FUZZY_MIN_LENGTH:
            return word
        if stems([word], synonyms=False)[0] in self.known_stems:
            return word  # another form of a known word: the stemmer has it
        best = process.extractOne(
            word, self._known_list, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        return str(best[0]) if best else word

    def terms(self, query: str) -> list[str]:
        return stems([self._spelled(w) for w in words(query)], synonyms=self.synonyms)

    def rank(self, query: str, *, category: str | None = None, limit: int = 3) -> list[Ranked]:
        terms = [t for t in self.terms(query) if t in self.known_stems]
        if not self.entries or not terms:
            return []
        scores = self.question_weight * self.questions.get_scores(terms)
        scores = scores + self.answers.get_scores(terms)
        if category is not None:
            scores = np.where([e.category == category for e in self.entries], scores, 0.0)
        order = np.argsort(-scores, kind="stable")[:limit]
        return [Ranked(self.entries[i], round(float(scores[i]), 3)) for i in order if scores[i] > 0]
