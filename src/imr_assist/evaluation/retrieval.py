"""The retrieval suite (`imr-assist eval --suite retrieval`): does `similar` find the decisions
a practitioner would want, and does it beat a plain BM25 computed in the same run?

Judgments are not computed by the code being scored: every gold item of the bundled corpus
carries a kind label written once by hand from its gold request (`bundled/retrieval/judgments.json`
says how). Two decisions are *relevant* to each other when their labels match (same generic
drug; same service; same modality and an overlapping body region where the region decides);
relevant and with the same decision is grade 2, relevant grade 1, else 0.

* item queries: every gold item whose kind has at least one decision in another letter; the
  query is the extracted item (request, rationale, reasons), its own letter left out;
* free-text queries: `bundled/retrieval/queries.json`, typed as a user would.

Metrics per system, averaged over queries: P@5 (share of the top 5 that is relevant), the
attainable P@5 (min(5, relevant)/5: a kind with 2 precedents can fill only 2 of 5 places) and
P@5 as a share of it, nDCG@10 (gains 2^grade - 1, ideal order over every judged decision), and
MRR (first relevant hit). The systems: `similar` as shipped (`hybrid`), its ablations
(`key_only`: no text term; `text_only`: no key), and `bm25` (bm25s over request + rationale,
the same query terms, no key). The margin over BM25 is the mean nDCG@10 difference with a
95% bootstrap interval over item queries. Item queries are also scored on two halves of the
letters (even / odd position in sorted order), so a table tuned on one half can be checked
on the other, and the treatment key's coverage (items whose key names a generic or a
family) is reported over all gold items and per half.
"""

from __future__ import annotations

import json
import math
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..assets import bundled_dir, demo_corpus_dir
from ..errors import InputError
from ..extractors import Extractor
from ..index.base import Ranking
from ..index.lexical import build_bm25
from ..index.records import decisions_from_record
from ..index.text import index_tokens, query_terms
from ..reading import read_document
from ..schema import Record
from .scorer import pair_items

K = 10
SYSTEMS: dict[str, Ranking | None] = {
    "hybrid": Ranking(),
    "key_only": Ranking(lexical=0.0),
    "text_only": Ranking(key=False),
    "bm25": None,
}


@dataclass(frozen=True)
class Label:
    """A judgment label: 'mri:knee|hip' -> modality 'mri', regions {knee, hip}."""

    modality: str
    regions: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> Label:
        modality, _, regions = text.partition(":")
        return cls(modality, frozenset(r for r in regions.split("|") if r))

    def relevant(self, other: Label) -> bool:
        if self.modality != other.modality:
            return False
        return not (self.regions or other.regions) or bool(self.regions & other.regions)


def _load(name: str) -> dict[str, Any]:
    path = bundled_dir("retrieval") / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the retrieval judgments ({exc})") from None


@dataclass
class Judged:
    """One indexed decision with its gold label (None when it pairs with no gold item)."""

    id: str
    letter_id: str
    label: Label | None
    decision: str


def _key_coverage(letters: dict[str, str]) -> dict[str, float | None]:
    """Share of gold items whose treatment key names a generic (medicines) or a family
    (services), from the gold request and category: all letters and each half."""
    from ..treatment import key_from_request

    corpus = demo_corpus_dir()
    hits: dict[str, list[bool]] = {"all": [], "even": [], "odd": []}
    for gold_path in sorted((corpus / "gold").glob("*.json")):
        for g in json.loads(gold_path.read_text(encoding="utf-8"))["items"]:
            key = key_from_request(g["request"], g.get("category"))
            known = bool(key.generic_name) if key.kind == "medicine" else key.family is not None
            hits["all"].append(known)
            if gold_path.stem in letters:
                hits[letters[gold_path.stem]].append(known)
    return {part: round(sum(v) / len(v), 4) if v else None for part, v in hits.items()}


def _records(extractor: Extractor) -> list[Record]:
    corpus = demo_corpus_dir()
    out = []
    for gold_path in sorted((corpus / "gold").glob("*.json")):
        txt = corpus / "txt" / f"{gold_path.stem}.txt"
        if txt.exists():
            out.append(extractor.extract(read_document(txt)))
    return out


def _judge(records: list[Record], labels: dict[str, Label]) -> dict[str, Judged]:
    """Indexed decision id -> its judged label, pairing extracted items with gold items by request."""
    corpus = demo_corpus_dir()
    out: dict[str, Judged] = {}
    for rec in records:
        gold = json.loads((corpus / "gold" / f"{rec.letter_id}.json").read_text(encoding="utf-8"))
        gold_requests = [g["request"] for g in gold["items"]]
        pairs = {j: i for i, j, _ in pair_items(gold_requests, [it.request for it in rec.items])}
        for j, it in enumerate(rec.items):
            gid = f"{rec.letter_id}#{pairs[j] + 1}" if j in pairs else None
            did = f"{rec.letter_id}#{j + 1}"
            out[did] = Judged(did, rec.letter_id, labels.get(gid) if gid else None, it.decision)
    return out


def _grade(q: Label, q_decision: str | None, d: Judged) -> int:
    if d.label is None or not q.relevant(d.label):
        return 0
    return 2 if q_decision is not None and d.decision == q_decision else 1


def _metrics(ranked: list[str], grades: dict[str, int]) -> dict[str, float]:
    """P@5, attainable P@5, nDCG@10 and reciprocal rank of one ranked list."""
    rel = [grades.get(i, 0) for i in ranked[:K]]
    n_rel = sum(1 for g in grades.values() if g)
    dcg = sum((2**g - 1) / math.log2(r + 2) for r, g in enumerate(rel))
    ideal = sorted(grades.values(), reverse=True)[:K]
    idcg = sum((2**g - 1) / math.log2(r + 2) for r, g in enumerate(ideal))
    first = next((r for r, g in enumerate(rel, 1) if g), None)
    return {
        "p5": sum(1 for g in rel[:5] if g) / 5,
        "attainable_p5": min(5, n_rel) / 5,
        "ndcg10": dcg / idcg if idcg else 0.0,
        "rr": 1 / first if first else 0.0,
    }


def _mean(rows: list[dict[str, float]]) -> dict[str, float | None]:
    if not rows:
        return {"p5": None, "attainable_p5": None, "p5_of_attainable": None, "ndcg10": None, "mrr": None}
    m = {k: float(np.mean([r[k] for r in rows])) for k in ("p5", "attainable_p5", "ndcg10", "rr")}
    return {
        "p5": round(m["p5"], 4), "attainable_p5": round(m["attainable_p5"], 4),
        "p5_of_attainable": round(m["p5"] / m["attainable_p5"], 4) if m["attainable_p5"] else None,
        "ndcg10": round(m["ndcg10"], 4), "mrr": round(m["rr"], 4),
    }  # fmt: skip


def _diffs(per_system: dict[str, dict[str, list[dict[str, float]]]], a: str, b: str) -> list[float]:
    """Per item query, system a's nDCG@10 minus system b's."""
    return [x["ndcg10"] - y["ndcg10"] for x, y in zip(per_system[a]["item"], per_system[b]["item"], strict=True)]


def _bootstrap(diffs: list[float], rounds: int = 2000, seed: int = 15) -> tuple[float, float]:
    rng = random.Random(seed)
    n = len(diffs)
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(rounds))
    return means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


class _PlainBM25:
    """The baseline: bm25s over request + rationale of every indexed decision, no key."""

    def __init__(self, records: list[Record]) -> None:
        self.rows = [(d.id, d.letter_id) for r in records for d in decisions_from_record(r)]
        texts = [f"{d.request} {d.rationale}" for r in records for d in decisions_from_record(r)]
        self.bm = build_bm25(index_tokens(t) or ["_"] for t in texts)

    def rank(self, terms: list[str], exclude_letter: str | None) -> list[str]:
        known = [t for t in terms if t in self.bm.vocab_dict]
        if not known:
            return []
        scores = self.bm.get_scores(known)
        order = np.argsort(-scores, kind="stable")
        return [self.rows[i][0] for i in order if scores[i] > 0 and self.rows[i][1] != exclude_letter][:K]


def run_retrieval(extractor: Extractor) -> dict[str, Any]:
    """Build an index of the bundled corpus with `extractor`, run every query through every
    system, and return the suite's metrics (the gate reads `metrics`)."""
    from ..index import open_index

    started = time.perf_counter()
    judgments = _load("judgments.json")
    labels = {row["id"]: Label.parse(row["kind"]) for row in judgments["items"]}
    records = _records(extractor)
    judged = _judge(records, labels)
    letters = sorted({r.letter_id for r in records})
    half = {lid: ("even" if n % 2 == 0 else "odd") for n, lid in enumerate(letters)}
    baseline = _PlainBM25(records)
    per_system: dict[str, dict[str, list[dict[str, float]]]] = {s: {"item": [], "text": [], "even": [], "odd": []}
                                                               for s in SYSTEMS}  # fmt: skip
    item_queries = text_queries = 0
    with tempfile.TemporaryDirectory(prefix="imr-retrieval-") as tmp:
        ix = open_index(Path(tmp) / "eval.db", embedder="none", create=True)
        try:
            ix.add_records(records)
            ix.flush()
            for rec in records:
                for n, item in enumerate(rec.items, 1):
                    me = judged[f"{rec.letter_id}#{n}"]
                    if me.label is None:
                        continue
                    grades = {d.id: g for d in judged.values() if d.letter_id != rec.letter_id
                              and (g := _grade(me.label, item.decision, d))}  # fmt: skip
                    if not grades:
                        continue  # nothing attainable: not a query
                    item_queries += 1
                    terms = query_terms(item.request, item.generic_name or "", item.rationale, limit=48)
                    for name, ranking in SYSTEMS.items():
                        if ranking is None:
                            ranked = baseline.rank(terms, rec.letter_id)
                        else:
                            ranked = [h.decision.id for h in ix.similar_to_item(item, rec, K, ranking=ranking)]
                        m = _metrics(ranked, grades)
                        per_system[name]["item"].append(m)
                        per_system[name][half[rec.letter_id]].append(m)
            for q in _load("queries.json")["queries"]:
                label = Label.parse(q["kind"])
                grades = {d.id: g for d in judged.values() if (g := _grade(label, None, d))}
                if not grades:
                    continue
                text_queries += 1
                for name, ranking in SYSTEMS.items():
                    if ranking is None:
                        ranked = baseline.rank(query_terms(q["query"]), None)
                    else:
                        ranked = [h.decision.id for h in ix.search(q["query"], K, ranking=ranking)]
                    per_system[name]["text"].append(_metrics(ranked, grades))
        finally:
            ix.close()
    summary = {name: {part: _mean(rows) for part, rows in parts.items()} for name, parts in per_system.items()}
    diffs = _diffs(per_system, "hybrid", "bm25")
    low, high = _bootstrap(diffs) if diffs else (0.0, 0.0)
    text_gain = _diffs(per_system, "hybrid", "key_only")
    t_low, t_high = _bootstrap(text_gain) if text_gain else (0.0, 0.0)
    hyb, base = summary["hybrid"], summary["bm25"]
    coverage = _key_coverage(half)
    metrics = {
        "item_p5": hyb["item"]["p5"], "item_p5_of_attainable": hyb["item"]["p5_of_attainable"],
        "item_ndcg10": hyb["item"]["ndcg10"], "item_mrr": hyb["item"]["mrr"],
        "text_p5": hyb["text"]["p5"], "text_ndcg10": hyb["text"]["ndcg10"], "text_mrr": hyb["text"]["mrr"],
        "bm25_item_p5": base["item"]["p5"], "bm25_item_ndcg10": base["item"]["ndcg10"],
        "bm25_text_ndcg10": base["text"]["ndcg10"],
        "ndcg10_margin_over_bm25": round(float(np.mean(diffs)), 4) if diffs else None,
        "ndcg10_margin_low95": round(low, 4), "ndcg10_margin_high95": round(high, 4),
        "ndcg10_gain_from_text": round(float(np.mean(text_gain)), 4) if text_gain else None,
        "ndcg10_gain_from_text_low95": round(t_low, 4), "ndcg10_gain_from_text_high95": round(t_high, 4),
        "item_ndcg10_even_half": hyb["even"]["ndcg10"], "item_ndcg10_odd_half": hyb["odd"]["ndcg10"],
        "item_p5_of_attainable_even_half": hyb["even"]["p5_of_attainable"],
        "item_p5_of_attainable_odd_half": hyb["odd"]["p5_of_attainable"],
        "key_coverage": coverage["all"], "key_coverage_even_half": coverage["even"],
        "key_coverage_odd_half": coverage["odd"],
    }  # fmt: skip
    return {
        "name": "retrieval",
        "seconds": round(time.perf_counter() - started, 3),
        "queries": {"item": item_queries, "text": text_queries},
        "indexed": len(judged), "judged": sum(1 for d in judged.values() if d.label is not None),
        "metrics": metrics,
        "systems": summary,
    }
