"""`imr-assist stats [filters]`: counts and overturn rates over the index."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.text import Text

from .common import console, safe_text
from .tables import Rows, show

Opt = typer.Option


def _rows(title: str, rows) -> Rows:
    out = Rows(Text(title), ["value", "decisions", "overturned", "upheld", "overturn rate"],
               right=frozenset({"decisions", "overturned", "upheld", "overturn rate"}))  # fmt: skip
    for r in rows:
        out.add([Text(safe_text(r.key)), str(r.total), str(r.overturned), str(r.upheld), f"{r.overturn_rate:.0%}"])
    return out


def register(app: typer.Typer) -> None:
    @app.command()
    def stats(
        decision: Annotated[str | None, Opt(help="overturned | upheld")] = None,
        drug_class: Annotated[str | None, Opt("--drug-class")] = None,
        generic: Annotated[str | None, Opt(help="generic name, e.g. tramadol")] = None,
        category: Annotated[str | None, Opt()] = None,
        guideline: Annotated[str | None, Opt(help="a source (MTUS, ODG…) or a reviewer page")] = None,
        reason: Annotated[str | None, Opt(help="a denial reason")] = None,
        specialty: Annotated[str | None, Opt(help="reviewer specialty (substring, any case)")] = None,
        family: Annotated[str | None, Opt(help="treatment family (mri, physical_therapy…) or drug class")] = None,
        region: Annotated[str | None, Opt(help="body region (knee, lumbar, shoulder…)")] = None,
        top: Annotated[int, Opt(help="Rows per table (0: all).")] = 15,
        as_json: Annotated[bool, Opt("--json", help="Print the full statistics as JSON.")] = False,
        db: Annotated[str | None, Opt("--db", help="Index file or postgresql:// URL (or IMR_ASSIST_DB; default: the bundled demo index).")] = None,  # noqa: E501
    ) -> None:
        """Counts and overturn rates by generic name, drug class, treatment family, guideline page and denial reason."""
        from ..demo_index import open_decision_index
        from ..index.options import make_filters
        from ..settings import Settings

        filters = make_filters(decision, drug_class, generic, category, guideline, reason, specialty, family, region)
        with open_decision_index(Settings.resolve(db=db).db, embedder="none") as ix:
            st = ix.stats(filters, top=None if as_json or top <= 0 else top)
        if as_json:
            print(json.dumps(st.model_dump(mode="json"), indent=2))
            return
        console.print(
            f"{st.total} decisions from {st.letters} letters: {st.overturned} overturned, {st.upheld} upheld "
            f"({st.overturn_rate:.0%} overturned)", highlight=False,
        )  # fmt: skip
        for title, rows in (("by generic name", st.by_generic_name), ("by drug class", st.by_drug_class),
                            ("by category", st.by_category), ("by treatment family", st.by_family),
                            ("by reviewer guideline page", st.by_guideline_page),
                            ("by denial reason (upheld items only: overturned items carry none)", st.by_denial_reason)):  # noqa: E501  # fmt: skip
            if rows:
                show(console, _rows(title, rows))
