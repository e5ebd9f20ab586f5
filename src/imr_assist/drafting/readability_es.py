"""Reading ease of a Spanish summary: Fernández Huerta and Szigriszt-Pazos (INFLESZ), offline.

Flesch–Kincaid grades English only; Spanish words carry more syllables, so a Spanish
summary is measured with the formulas made for Spanish: Fernández Huerta (206.84 − 0.60 ×
syllables per 100 words − 1.02 × words per sentence; 70–80 "algo fácil", 80–90 "fácil")
and Szigriszt-Pazos (65–80 "bastante fácil"). textstat computes both, counting Spanish
syllables with Pyphen's hyphenation dictionary (bundled, no download); it is imported on
first use, so commands that do not write Spanish do not load it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .readability import prose_for_grading


@lru_cache(maxsize=1)
def _spanish() -> Any:
    from textstat.textstat import textstatistics  # on first use: ~1 s

    stats = textstatistics()
    stats.set_lang("es")
    return stats


def spanish_scores(markdown: str) -> dict[str, float]:
    """{"fernandez_huerta": ..., "szigriszt_pazos": ...} of the document's prose."""
    prose = prose_for_grading(markdown)
    stats = _spanish()
    return {
        "fernandez_huerta": round(float(stats.fernandez_huerta(prose)), 1),
        "szigriszt_pazos": round(float(stats.szigriszt_pazos(prose)), 1),
    }
