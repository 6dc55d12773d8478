"""FAQ suggestion quality and speed on the labelled set (docs/self-service.md): hit@1 and hit@3
of each variant of the ranking, and the time of one ranking. Run: python -m bench.faq_suggest"""

import json
import sys
import time
from pathlib import Path

from app.faq.ranking import Entry, FaqRanking
from app.faq.seed import SEED_FAQS, SEED_FAQS_V2

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "faq"
ENTRIES = [Entry(str(i), q, a, c.value) for i, (c, q, a) in enumerate([*SEED_FAQS, *SEED_FAQS_V2])]
VARIANTS = {
    "BM25, question and answer alike": {"question_weight": 1.0, "fuzzy": False, "synonyms": False},
    "+ question weighted 2x": {"fuzzy": False, "synonyms": False},
    "+ fuzzy spelling (rapidfuzz)": {"synonyms": False},
    "+ synonyms (chosen)": {},
    "question weighted 3x": {"question_weight": 3.0},
}


def hits(ranking: FaqRanking, labelled: list[dict[str, str]]) -> tuple[float, float]:
    found = [[r.entry.question for r in ranking.rank(x["q"])] for x in labelled]
    at1 = sum(x["expected_faq"] in f[:1] for x, f in zip(labelled, found, strict=True))
    at3 = sum(x["expected_faq"] in f[:3] for x, f in zip(labelled, found, strict=True))
    return at1 / len(labelled), at3 / len(labelled)


def main() -> None:
    for name in ("suggest_labelled.json", "suggest_heldout.json"):
        labelled = json.loads((LABELLED / name).read_text())
        print(f"{name} ({len(labelled)} phrasings)")
        for variant, options in VARIANTS.items():
            at1, at3 = hits(FaqRanking(ENTRIES, **options), labelled)  # type: ignore[arg-type]
            print(f"  {variant:36} hit@1 {at1:.2f}  hit@3 {at3:.2f}")
    ranking = FaqRanking(ENTRIES * 10)  # 240 entries
    start = time.perf_counter()
    for _ in range(200):
        ranking.rank("my parcel arrived damaged, box smashed")
    print(f"one ranking over 240 entries: {(time.perf_counter() - start) / 200 * 1000:.2f} ms")
    start = time.perf_counter()
    FaqRanking(ENTRIES * 10)
    print(f"building the index of 240 entries: {(time.perf_counter() - start) * 1000:.1f} ms")
    if "-v" in sys.argv:
        ranking = FaqRanking(ENTRIES)
        for x in json.loads((LABELLED / "suggest_labelled.json").read_text()):
            got = [r.entry.question for r in ranking.rank(x["q"])]
            if x["expected_faq"] not in got[:1]:
                print(x["q"], "->", got, "want", x["expected_faq"])


if __name__ == "__main__":
    main()
