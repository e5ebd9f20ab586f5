"""`imr-assist similar LETTER [--item N] | --query TEXT`: the most similar past decisions."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from ..errors import InputError
from .common import console, fail, safe_text
from .tables import Rows, show

if TYPE_CHECKING:
    from ..index.models import SimilarHit

Opt = typer.Option


def _load_records(path: str):
    """The records of LETTER: a letter extracted once, or the records of an `extract` file."""
    from ..extractors.rules import RulesExtractor
    from ..pipeline import Pipeline

    return Pipeline(RulesExtractor()).records_of(path)


def _rows(title: str, hits: list[SimilarHit], explain: bool = False) -> Rows:
    last = "why it ranks here" if explain else "matching sentence"
    rows = Rows(Text(safe_text(title)), ["#", "id", "decision", "request", "treatment", "score", last], show_lines=True)
    for n, h in enumerate(hits, 1):
        d = h.decision
        colour = "green" if d.decision == "overturned" else "red"
        rows.add([str(n), Text(safe_text(d.id)), Text(d.decision, style=colour), Text(safe_text(d.request)),
                  Text(safe_text(d.treatment)), f"{h.score:.4f}",
                  Text(safe_text("; ".join(h.why) if explain else h.matching_sentence))])  # fmt: skip
    return rows


def _none_line(ix, key, filters) -> str:
    """What to say when nothing passes the relevance floor: the same-kind counts, if any."""
    from ..index.models import SearchFilters
    from ..treatment import counts_filter, kind_phrase

    group = counts_filter(key) if key is not None else None
    if group is None:
        return "no decision in this index is similar enough to show"
    base = filters.model_dump(exclude_none=True, exclude={"decision"}) if filters else {}
    st = ix.stats(SearchFilters(**{**base, **group}), top=1)
    wanted = f" {filters.decision}" if filters and filters.decision else ""
    kind = kind_phrase(key)
    if not st.total:
        return f"no{wanted} {kind} decision to show: this index holds no {kind} requests"
    return (f"no{wanted} {kind} decision to show: {st.overturned} of {st.total} {kind} "
            f"requests in this index were overturned; {st.upheld} upheld")


def register(app: typer.Typer) -> None:
    @app.command()
    def similar(
        letter: Annotated[str | None, typer.Argument(help="A letter (.txt/.pdf), or records from `extract` (.json, .jsonl).")] = None,  # noqa: E501
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
        family: Annotated[str | None, Opt(help="treatment family (mri, physical_therapy, epidural…) or drug class")] = None,  # noqa: E501
        region: Annotated[str | None, Opt(help="body region (knee, lumbar, shoulder…)")] = None,
        explain: Annotated[bool, Opt("--explain", help="Show why each decision ranks where it does.")] = False,
        mode: Annotated[str, Opt(help="hybrid | lexical | vector")] = "hybrid",
        as_json: Annotated[bool, Opt("--json", help="Print JSON: a list of {item, request, hits}.")] = False,
        db: Annotated[str | None, Opt("--db", help="Index file or postgresql:// URL (or IMR_ASSIST_DB; default: the bundled demo index).")] = None,  # noqa: E501
    ) -> None:
        """Rank past decisions by similarity to a letter's items or to a query."""
        from ..demo_index import open_decision_index
        from ..index.base import MODES
        from ..index.options import make_filters
        from ..settings import Settings
        from ..treatment import key_from_request, treatment_key

        if (letter is None) == (query is None):
            raise fail("give a LETTER or --query TEXT (one of them)")
        if item is not None and letter is None:
            raise fail("--item needs a LETTER")
        if k < 1:
            raise fail("-k must be at least 1")
        if mode not in MODES:
            raise fail(f"--mode must be one of {', '.join(MODES)}")
        filters = make_filters(decision, drug_class, generic, category, guideline, reason, specialty, family, region)
        #: (letter id when several records, item, text, hits, why none)
        groups: list[tuple[str | None, int | None, str, list[SimilarHit], str]] = []
        db_path = Settings.resolve(db=db).db
        with open_decision_index(db_path, embedder="none" if mode == "lexical" else "auto") as ix:
            if mode == "vector" and not ix.has_vectors():
                raise InputError("this index has no vectors (index with --embed, needs the [embed] extra)")
            if query is not None:
                if not query.strip():
                    raise InputError("--query is empty")
                hits = ix.search(query, k, filters, mode=mode)
                none = "" if hits else _none_line(ix, key_from_request(query), filters)
                groups.append((None, None, query, hits, none))
            elif letter is not None:
                records = _load_records(letter)
                if not any(r.items for r in records):
                    raise InputError(f"{letter}: no decided items found")
                if item is not None and len(records) > 1:
                    raise InputError(f"--item {item}: {letter} holds {len(records)} records; --item needs one letter")
                for record in records:
                    numbers = list(range(1, len(record.items) + 1))
                    if item is not None:
                        if not 1 <= item <= len(record.items):
                            raise InputError(f"--item {item}: the letter has {len(record.items)} item(s)")
                        numbers = [item]
                    lid = record.letter_id if len(records) > 1 else None
                    for n in numbers:
                        it = record.items[n - 1]
                        hits = ix.similar_to_item(it, record, k, filters, mode=mode)
                        none = "" if hits else _none_line(ix, treatment_key(it), filters)
                        groups.append((lid, n, it.request, hits, none))
        if as_json:
            out = [{**({"letter_id": lid} if lid else {}), "item": g, "request" if g else "query": text,
                    "hits": [h.model_dump(mode="json") for h in hits], **({"none": none} if none else {})}
                   for lid, g, text, hits, none in groups]  # fmt: skip
            print(json.dumps(out, indent=2, ensure_ascii=False))
            return
        for lid, group, text, hits, none in groups:
            title = f"item {group}: {text}" if group else f"query: {text}"
            title = f"{lid} {title}" if lid else title
            if not hits:
                console.print(Text(safe_text(f"{title}\n  {none}")), highlight=False)
            else:
                show(console, _rows(title, hits, explain))
