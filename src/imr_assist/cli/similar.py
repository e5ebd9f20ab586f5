"""`imr-assist similar LETTER [--item N] | --query TEXT`: the most similar past decisions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from ..errors import InputError
from .common import console, fail, safe_text

if TYPE_CHECKING:
    from ..index.models import SimilarHit

Opt = typer.Option


def _load_letter(path: str):
    from pydantic import ValidationError

    from ..extractors.rules import RulesExtractor
    from ..pipeline import Pipeline
    from ..schema import Record

    if path.lower().endswith(".json"):
        try:
            return Record.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
        except OSError as exc:
            raise InputError(f"{path}: cannot open ({exc.strerror or exc})") from None
        except (ValueError, ValidationError):
            raise InputError(f"{path}: not an extracted record (JSON from `imr-assist extract --json`)") from None
    return Pipeline(RulesExtractor()).one(path)[1]


def _table(title: str, hits: list[SimilarHit]) -> Table:
    table = Table(title=title, title_justify="left", show_lines=True)
    for col in ("#", "id", "decision", "request", "score", "matching sentence"):
        table.add_column(col, overflow="fold")
    for n, h in enumerate(hits, 1):
        d = h.decision
        colour = "green" if d.decision == "overturned" else "red"
        table.add_row(str(n), Text(safe_text(d.id)), f"[{colour}]{d.decision}[/{colour}]", Text(safe_text(d.request)),
                      f"{h.score:.4f}", Text(safe_text(h.matching_sentence)))  # fmt: skip
    return table


def register(app: typer.Typer) -> None:
    @app.command()
    def similar(
        letter: Annotated[str | None, typer.Argument(help="A letter (.txt/.pdf) or an extracted record (.json).")] = None,  # noqa: E501
        item: Annotated[int | None, Opt("--item", help="Only this item of the letter (1-based).")] = None,
        query: Annotated[str | None, Opt("--query", "-q", help="Free-text query instead of a letter.")] = None,
        k: Annotated[int, Opt("-k", help="How many decisions to show per query.")] = 5,
        decision: Annotated[str | None, Opt(help="overturned | upheld")] = None,
        drug_class: Annotated[str | None, Opt("--drug-class", help="e.g. opioid, muscle_relaxant")] = None,
        generic: Annotated[str | None, Opt(help="generic name, e.g. tramadol")] = None,
        category: Annotated[str | None, Opt(help="medication, therapy, diagnostic…")] = None,
        guideline: Annotated[str | None, Opt(help="a source (MTUS, ODG…) or a reviewer page ('63-64', '79')")] = None,  # noqa: E501
        reason: Annotated[str | None, Opt(help="a denial reason, e.g. no_functional_improvement")] = None,
        specialty: Annotated[str | None, Opt(help="reviewer specialty (substring, any case)")] = None,
        mode: Annotated[str, Opt(help="hybrid | lexical | vector")] = "hybrid",
        as_json: Annotated[bool, Opt("--json", help="Print JSON: a list of {item, request, hits}.")] = False,
        db: Annotated[str | None, Opt("--db", help="Index file or postgresql:// URL (or IMR_ASSIST_DB; default: the bundled demo index).")] = None,  # noqa: E501
    ) -> None:
        """Rank past decisions by similarity to a letter's items or to a query."""
        from ..demo_index import open_decision_index
        from ..index.base import MODES
        from ..index.options import make_filters
        from ..settings import Settings

        if (letter is None) == (query is None):
            raise fail("give a LETTER or --query TEXT (one of them)")
        if item is not None and letter is None:
            raise fail("--item needs a LETTER")
        if k < 1:
            raise fail("-k must be at least 1")
        if mode not in MODES:
            raise fail(f"--mode must be one of {', '.join(MODES)}")
        filters = make_filters(decision, drug_class, generic, category, guideline, reason, specialty)
        groups: list[tuple[int | None, str, list[SimilarHit]]] = []
        db_path = Settings.resolve(db=db).db
        with open_decision_index(db_path, embedder="none" if mode == "lexical" else "auto") as ix:
            if mode == "vector" and not ix.has_vectors():
                raise InputError("this index has no vectors (index with --embed, needs the [embed] extra)")
            if query is not None:
                if not query.strip():
                    raise InputError("--query is empty")
                groups.append((None, query, ix.search(query, k, filters, mode=mode)))
            elif letter is not None:
                record = _load_letter(letter)
                if not record.items:
                    raise InputError(f"{letter}: no decided items found")
                numbers = list(range(1, len(record.items) + 1))
                if item is not None:
                    if not 1 <= item <= len(record.items):
                        raise InputError(f"--item {item}: the letter has {len(record.items)} item(s)")
                    numbers = [item]
                for n in numbers:
                    it = record.items[n - 1]
                    groups.append((n, it.request, ix.similar_to_item(it, record, k, filters, mode=mode)))
        if as_json:
            out = [{"item": g, "request" if g else "query": text, "hits": [h.model_dump(mode="json") for h in hits]}
                   for g, text, hits in groups]  # fmt: skip
            print(json.dumps(out, indent=2, ensure_ascii=False))
            return
        for group, text, hits in groups:
            title = f"item {group}: {text}" if group else f"query: {text}"
            if not hits:
                console.print(f"{title}\n  no matching decisions", highlight=False)
            else:
                console.print(_table(title, hits))
