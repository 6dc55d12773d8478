"""A report as CSV: one row per group, then the totals, the nested figures flattened."""

import csv
import io
from collections.abc import Mapping
from typing import Any


def _flat(figures: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name, value in figures.items():
        if isinstance(value, Mapping):
            row |= _flat(value, f"{prefix}{name}_")
        else:
            row[f"{prefix}{name}"] = value
    return row


def overview_csv(report: Mapping[str, Any]) -> str:
    rows = [_flat(g) for g in report["groups"]]
    rows.append({"key": "total", "label": "total", **_flat(report["totals"])})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[-1]), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else _safe(v) for k, v in row.items()})
    return out.getvalue()


def _safe(value: Any) -> Any:
    # A cell a spreadsheet would run as a formula (an agent named "=HYPERLINK(...)") is quoted.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
