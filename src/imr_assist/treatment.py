"""What kind of treatment a decided item is: the key that says whether two decisions are alike.

A precedent helps only when it is the same kind of treatment (domain.md, "What each reader
needs"): the same drug or class; the same modality, body region and procedure family. The
key holds exactly that, read from the request with the tables in `data/treatments.json`
(families, regions, sides, request prefixes) and `data/drugs.json` (brand and compounding
pharmacy names -> generic and class):

* medicines: `generic_name` and `drug_class` (the extractor's values when it gave them, else
  read from the request: exact names first, then a fuzzy match for misspellings such as
  "cyclobenzeprine"); `family` is the drug class (or "medication" when unknown);
* everything else: a treatment `family` (mri, physical_therapy, epidural, arthroscopy...),
  the body `regions` named (knee, lumbar...) and the `side`.

`kind_score(a, b)` grades how alike two keys are (1 = same generic, or same family and
region; `SAME_KIND` and up = the same kind of treatment) and `same_kind(a, b)` is the test
drafting applies to every precedent it cites. `treatment_key` is a pure function of the
item's request, category, generic name and drug class, cached by those values.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from pydantic import BaseModel, Field

from .assets import DATA_DIR

#: kind_score at and above which two decisions are the same kind of treatment.
SAME_KIND = 0.6
#: Fuzzy drug-name match: shortest word tried and the least similarity (rapidfuzz ratio).
_FUZZY_MIN_LEN = 6
_FUZZY_MIN_RATIO = 86


class TreatmentKey(BaseModel):
    """The kind of treatment an item asks for (see the module docstring)."""

    kind: str = Field("unknown", description="medicine | service | unknown")
    generic_name: str | None = None
    drug_class: str | None = None
    family: str | None = Field(None, description="a treatment family (mri, physical_therapy…) or a drug class")
    regions: list[str] = Field(default_factory=list, description="body regions named in the request")
    side: str | None = Field(None, description="left | right | bilateral")
    region_decides: bool = Field(False, description="the region is part of what the treatment is (imaging, injections, surgery)")  # noqa: E501
    label: str = Field("", description="short human label, e.g. 'MRI, knee' or 'cyclobenzaprine (muscle relaxant)'")


class _Keyable(Protocol):
    """What a key is read from: an `Item` or an `IndexedDecision` (read-only fields)."""

    @property
    def request(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def generic_name(self) -> str | None: ...
    @property
    def drug_class(self) -> str | None: ...


@dataclass(frozen=True)
class _Family:
    name: str
    label: str
    category: str
    region_decides: bool
    fallback: bool
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class _Tables:
    prefixes: tuple[re.Pattern[str], ...]
    medicine_words: re.Pattern[str]
    compound_words: re.Pattern[str]
    families: tuple[_Family, ...]
    by_family: dict[str, _Family]
    regions: tuple[tuple[str, str, re.Pattern[str]], ...]
    part_of: dict[str, str]
    region_labels: dict[str, str]
    sides: tuple[tuple[str, re.Pattern[str]], ...]
    adjuvants: frozenset[str]
    class_words: tuple[tuple[str, re.Pattern[str]], ...]


def _any(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


@lru_cache(maxsize=1)
def tables() -> _Tables:
    data: dict[str, Any] = json.loads((DATA_DIR / "treatments.json").read_text(encoding="utf-8"))
    fams = tuple(
        _Family(f["family"], f["label"], f["category"], bool(f.get("region_decides")), bool(f.get("fallback")),
                _any(f["patterns"]))
        for f in data["families"]
    )  # fmt: skip
    return _Tables(
        prefixes=tuple(re.compile(p) for p in data["prefixes"]),
        medicine_words=_any(data["medicine_words"]),
        compound_words=_any(data["compound_words"]),
        families=fams,
        by_family={f.name: f for f in fams},
        regions=tuple((r["region"], r["label"], _any(r["patterns"])) for r in data["regions"]),
        part_of={r["region"]: r["part_of"] for r in data["regions"] if r.get("part_of")},
        region_labels={r["region"]: r["label"] for r in data["regions"]},
        sides=tuple((s["side"], _any(s["patterns"])) for s in data["sides"]),
        adjuvants=frozenset(data["adjuvants"]),
        class_words=tuple((c, _any(p)) for c, p in data["class_words"].items()),
    )


def families() -> list[str]:
    """Every service family name (drug classes are families too, for medicines)."""
    return [f.name for f in tables().families]


def region_names() -> list[str]:
    return [r for r, _, _ in tables().regions]


def core_request(request: str) -> str:
    """The request lower-cased, without "Retrospective:", "DOS 1/2/16", "Post-op" and the like."""
    text = " ".join(request.lower().split())
    for rx in tables().prefixes:
        text = rx.sub(" ", text).strip()
    return text


def treatment_key(item: _Keyable) -> TreatmentKey:
    """The treatment key of an `Item` (or anything with request/category/generic_name/drug_class)."""
    return key_from_request(item.request, item.category, item.generic_name, item.drug_class)


@lru_cache(maxsize=65536)
def key_from_request(request: str, category: str | None = None, generic_name: str | None = None,
                     drug_class: str | None = None) -> TreatmentKey:
    """The key of a request (also of a free-text query). `category`, `generic_name` and
    `drug_class` are the extractor's values when known: a generic name makes it a medicine,
    and an injection/surgery/procedure category keeps drug names in it from doing so
    ("injection of lidocaine and dexamethasone to the right knee" is a joint injection)."""
    t = tables()
    text = core_request(request)
    regions = _regions(text)
    side = next((s for s, rx in t.sides if rx.search(text)), None)
    drug, drug_at = _drug(text)
    if generic_name:  # the extractor's reading of the drug wins over the table's
        drug, drug_at = (generic_name.lower(), drug_class or (drug[1] if drug else "other")), max(drug_at, 0)
    family, family_at = _family(text, fallback=False)
    procedural = category in ("injection", "surgery", "procedure")
    if drug and not procedural and (family is None or drug_at < family_at):
        compound = drug_class is None and bool(t.compound_words.search(text))  # the extractor's class wins
        return _medicine(drug[0], drug_class or drug[1], regions, side, compound=compound)
    if family is None and not drug:
        cls = next((c for c, rx in t.class_words if rx.search(text)), None)
        if cls:  # "opioid", "muscle relaxant": a class without a drug (free-text queries)
            return _medicine(None, drug_class or cls, regions, side)
    if family is None:
        family, _ = _family(text, fallback=True)
    if family is None:
        fuzzy = _fuzzy_drug(text) if not procedural else None
        if fuzzy:  # a misspelled drug name ("Cyclobenzeprine")
            return _medicine(fuzzy[0], drug_class or fuzzy[1], regions, side)
        if category == "medication" or t.medicine_words.search(text):
            return _medicine(None, drug_class, regions, side)
    if family is None:
        return TreatmentKey(kind="unknown", regions=regions, side=side, label=_region_label(regions) or "unknown")
    f = t.by_family[family]
    label = f.label + (f", {_region_label(regions)}" if regions else "")
    return TreatmentKey(kind="service", family=family, regions=regions, side=side,
                        region_decides=f.region_decides, label=label)  # fmt: skip


def _medicine(generic: str | None, drug_class: str | None, regions: list[str], side: str | None,
              compound: bool = False) -> TreatmentKey:
    if compound and drug_class not in (None, "opioid", "benzodiazepine"):
        drug_class = "compounded_topical"
    cls = (drug_class or "").replace("_", " ")
    label = f"{generic} ({cls})" if generic and cls else (generic or cls or "medicine")
    return TreatmentKey(kind="medicine", generic_name=generic, drug_class=drug_class,
                        family=drug_class or "medication", regions=regions, side=side, label=label)  # fmt: skip


def _drug(text: str) -> tuple[tuple[str, str] | None, int]:
    """(generic, class) of the drug names in the request (components joined by '/'), and
    where the first one starts; (None, -1) when it names none."""
    from .layout.classify import classify_request
    from .layout.tables import drug_table

    pattern, by_name = drug_table()
    first = pattern.search(text)
    if first is None:
        return None, -1
    cls = classify_request(text)
    if cls.generic_name:
        return (cls.generic_name, cls.drug_class or "other"), first.start()
    name = " ".join(first.group(0).replace("-", " ").split())
    drug = by_name.get(name) or by_name.get(first.group(0))
    return ((drug.generic, drug.drug_class) if drug else None), first.start()


@lru_cache(maxsize=1)
def _drug_words() -> dict[str, tuple[str, str]]:
    from .layout.tables import drug_table

    _, by_name = drug_table()
    return {n: (d.generic, d.drug_class) for n, d in by_name.items() if " " not in n and len(n) >= _FUZZY_MIN_LEN}


def _fuzzy_drug(text: str) -> tuple[str, str] | None:
    """A misspelled drug name ('cyclobenzeprine', 'tramadal'): the closest table name to a
    word of the request, when close enough."""
    from rapidfuzz import fuzz, process

    names = _drug_words()
    for word in re.findall(f"[a-z]{{{_FUZZY_MIN_LEN},}}", text):
        best = process.extractOne(word, names.keys(), scorer=fuzz.ratio, score_cutoff=_FUZZY_MIN_RATIO)
        if best:
            return names[best[0]]
    return None


def _family(text: str, fallback: bool) -> tuple[str | None, int]:
    """The family whose pattern starts earliest in `text` (ties: table order), among the
    specific families or, with `fallback`, among the generic ones."""
    best: tuple[int, int, str] | None = None
    for order, f in enumerate(tables().families):
        if f.fallback != fallback:
            continue
        m = f.pattern.search(text)
        if m and (best is None or (m.start(), order) < best[:2]):
            best = (m.start(), order, f.name)
    return (best[2], best[0]) if best else (None, -1)


def _regions(text: str) -> list[str]:
    found = [(m.start(), name) for name, _, rx in tables().regions if (m := rx.search(text))]
    names = [n for _, n in sorted(found)]
    # "lumbar spine": the specific region says it all; keep a general one only when alone
    specific = {tables().part_of.get(n) for n in names}
    return [n for n in names if n not in specific] or names


def _region_label(regions: list[str]) -> str:
    labels = tables().region_labels
    return ", ".join(labels.get(r, r) for r in regions)


# ---- comparing keys ---------------------------------------------------------------------------

def compatible_regions(region: str) -> list[str]:
    """`region`, the larger region it lies in, and the regions inside it (knee: knee,
    lower_extremity; spine: spine, cervical, thoracic, lumbar)."""
    part_of = tables().part_of
    out = [region]
    if region in part_of:
        out.append(part_of[region])
    out += [r for r, parent in part_of.items() if parent == region]
    return out


def region_score(a: list[str], b: list[str]) -> float:
    """1 when the two share a region; 0.5 when one lies in the other (knee / lower extremity)
    or either names none; 0 when they name different regions."""
    if not a or not b:
        return 0.5
    if set(a) & set(b):
        return 1.0
    near = {r for x in a for r in compatible_regions(x)}
    return 0.5 if near & set(b) else 0.0


def _components(generic: str | None) -> set[str]:
    """The active drugs of a generic name, without adjuvants (acetaminophen, caffeine...)."""
    return set(generic.split("/")) - tables().adjuvants if generic else set()


def kind_score(q: TreatmentKey, c: TreatmentKey) -> float:
    """How alike two treatments are, 0..1. Medicines: same generic 1, sharing a component
    0.8, same class 0.6. Services: same family 1 (0.8 when a deciding region is unknown on
    one side or only compatible, 0.4 when it differs). Otherwise 0."""
    if q.kind == "medicine" and c.kind == "medicine":
        if q.generic_name and q.generic_name == c.generic_name:
            return 1.0
        if _components(q.generic_name) & _components(c.generic_name):
            return 0.8
        if q.drug_class and q.drug_class == c.drug_class and q.drug_class != "other":
            return 0.6
        return 0.0
    if q.kind == "service" and c.kind == "service" and q.family == c.family:
        if not q.region_decides:  # the region only orders: a lumbar PT request before a cervical one
            return 0.9 if region_score(q.regions, c.regions) == 0.0 else 1.0
        r = region_score(q.regions, c.regions)
        return 1.0 if r == 1.0 else 0.8 if r == 0.5 else 0.4
    return 0.0


def same_kind(q: TreatmentKey, c: TreatmentKey) -> bool:
    """The test every cited precedent passes: same generic or class; same family (and region
    where the region decides)."""
    return kind_score(q, c) >= SAME_KIND


def kind_phrase(key: TreatmentKey) -> str:
    """What the same-kind group is called in a counts sentence: 'muscle-relaxant',
    'MRI (knee)', 'physical therapy'."""
    if key.kind == "medicine":
        if key.drug_class and key.drug_class != "other":
            return key.drug_class.replace("_", "-")
        return key.generic_name or "medication"
    if key.kind == "service" and key.family:
        label = tables().by_family[key.family].label
        if key.region_decides and key.regions:
            return f"{label} ({_region_label(key.regions)})"
        return label
    return "similar"


def key_from_parts(generic_name: str | None, drug_class: str | None, family: str | None,
                   regions: list[str] | tuple[str, ...] = (), side: str | None = None) -> TreatmentKey:
    """A key rebuilt from the columns an index stores (no regex run again)."""
    fam = tables().by_family.get(family or "")
    if fam is not None:
        return TreatmentKey(kind="service", family=family, regions=list(regions), side=side,
                            region_decides=fam.region_decides, label=fam.label)  # fmt: skip
    if generic_name or family:
        return _medicine(generic_name, drug_class, list(regions), side)
    return TreatmentKey(kind="unknown", regions=list(regions), side=side)


def key_filters(key: TreatmentKey) -> list[dict[str, Any]]:
    """The same-kind groups of `key` as `SearchFilters` fields, closest first: medicines by
    generic, then by each active drug of a combination, then class; services by family in a
    compatible region (where the region decides), then by family. Together they hold every
    decision `same_kind` accepts. [] when the key says nothing."""
    out: list[dict[str, Any]] = []
    if key.kind == "medicine":
        out += [{"generic_name": key.generic_name}] if key.generic_name else []
        parts = sorted(_components(key.generic_name))
        if len(parts) > 1 or (parts and parts[0] != key.generic_name):  # a combination: each active drug
            out += [{"generic_name": p} for p in parts]
        if key.drug_class and key.drug_class != "other":
            out.append({"drug_class": key.drug_class})
        return out
    if key.kind == "service" and key.family:
        if key.region_decides and key.regions:
            out.append({"family": key.family, "regions_any": _near(key.regions)})
        out.append({"family": key.family})
        return out
    return []


def counts_filter(key: TreatmentKey) -> dict[str, Any] | None:
    """The `SearchFilters` fields of the group a counts sentence speaks of (see `kind_phrase`)."""
    if key.kind == "medicine":
        if key.drug_class and key.drug_class != "other":
            return {"drug_class": key.drug_class}
        return {"generic_name": key.generic_name} if key.generic_name else None
    if key.kind == "service" and key.family:
        if key.region_decides and key.regions:
            return {"family": key.family, "regions_any": _near(key.regions)}
        return {"family": key.family}
    return None


def _near(regions: list[str]) -> list[str]:
    return sorted({r for x in regions for r in compatible_regions(x)})
