"""Real letters with planted identifiers of every type a user's own letter carries, for
the leak tests (`test_leak.py`).

Each bundled letter gets one invented identity (Spanish, Vietnamese, Armenian; accented,
ALL-CAPS and hyphenated spellings) laid out as a DWC final determination letter is: a
letterhead, the addressee's address block, a header of labelled parties and numbers, a
salutation, names, numbers and contact details inside every item's rationale, a
signature and a cc list with ALL-CAPS address blocks after the last item. None of these
values occurs in the unplanted letters; every one must be masked before a request leaves.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass

from imr_assist.assets import bundled_dir
from imr_assist.layout.parser import parse_letter
from imr_assist.privacy.vocabulary import english_words, fold
from imr_assist.reading import Document

LETTERS = ["000_ab6402283f960931", "002_0a3c7eb4a261f792", "003_1f0cb0468e83aee1"]


@dataclass(frozen=True)
class Identity:
    worker: str  # as the header writes it
    worker_caps: str  # as the address block and cc list write it
    worker_folded: str  # without accents, as the narrative may write it
    title: str
    relative: str
    physician: str
    physician_caps: str
    adjuster: str
    employer: str
    street: str
    city_line: str
    claim: str
    claim_variants: tuple[str, ...]
    dob: str
    dob_variants: tuple[str, ...]
    ssn: str
    ssn_variants: tuple[str, ...]
    phones: tuple[str, ...]
    email: str

    def planted(self) -> list[str]:
        """Every planted value, in the spelling the letter uses."""
        return [
            self.worker, self.worker_caps, self.worker_folded, self.relative, self.physician, self.physician_caps,
            self.adjuster, self.employer, self.street, self.city_line, self.claim, *self.claim_variants, self.dob,
            *self.dob_variants, self.ssn, *self.ssn_variants, *self.phones, self.email,
        ]  # fmt: skip

    def name_words(self) -> set[str]:
        """Folded words of the names and places that are not common English words: none
        may reach the endpoint in any case or accent form."""
        values = [self.worker, self.worker_caps, self.relative, self.physician, self.adjuster, self.city_line]
        words = {w for v in values for w in re.findall(r"[^\W\d_]+", fold(v))}
        return {w for w in words if len(w) >= 3 and w not in english_words() and w not in {"ca", "california"}}


IDENTITIES = [
    Identity(
        worker="María Elena Gutiérrez-Peña", worker_caps="MARIA ELENA GUTIERREZ-PENA", worker_folded="Maria Gutierrez",
        title="Ms.", relative="José Ángel Ibáñez", physician="Nguyễn Văn Long", physician_caps="NGUYEN VAN LONG",
        adjuster="Siranush Ter-Petrosyan", employer="Valle Fresco Packing Cooperative",
        street="4471 Calle Arboleda Apt 12",
        city_line="Huntington Park, CA 90255", claim="05-WC-7781234",
        claim_variants=("CLM 19-4412873", "WC1978834A", "0544-7781-23"), dob="04/12/1961",
        dob_variants=("April 12, 1961", "4-12-61"), ssn="521-44-6789", ssn_variants=("521446789", "521 44 6789"),
        phones=("(323) 555-0142", "323.555.0199", "3235550177", "+1 213-555-0100"),
        email="maria.gutierrez61@example.com",
    ),
    Identity(
        worker="Trần Thị Hương", worker_caps="TRAN THI HUONG", worker_folded="Tran Huong",
        title="Mrs.", relative="Phạm Quốc Bảo", physician="Anahit Hovhannisyan", physician_caps="ANAHIT HOVHANNISYAN",
        adjuster="Đặng Minh Khoa", employer="Saigon Pearl Nail Supply LLC", street="15822 Magnolia Street, Unit B",
        city_line="Westminster, CA 92683", claim="ADJ10447321",
        claim_variants=("CLM 21-0093317", "SC77410932", "3301-4457-90"), dob="11/03/1974",
        dob_variants=("November 3, 1974", "1974-11-03"), ssn="612-08-4417", ssn_variants=("612084417", "612 08 4417"),
        phones=("(714) 555-0188", "714.555.0123", "7145550166", "+1 657-555-0111"), email="huong.tran74@example.net",
    ),
    Identity(
        worker="Gevorg Sarkisyan", worker_caps="GEVORG SARKISYAN", worker_folded="Gevorg Sarkisyan",
        title="Mr.", relative="Lusine Karapetyan-Avetisyan", physician="Guadalupe Ochoa-Zúñiga",
        physician_caps="GUADALUPE OCHOA-ZUNIGA", adjuster="Tigran Melkonian", employer="Ararat Glendale Bakery Inc",
        street="1120 North Verdugo Road", city_line="Glendale, CA 91206", claim="SIF-4410-88231",
        claim_variants=("CLM 18-7730415", "GB4471092X", "7712-0044-31"), dob="07/29/1968",
        dob_variants=("July 29, 1968", "7-29-68"), ssn="433-71-2290", ssn_variants=("433712290", "433 71 2290"),
        phones=("(818) 555-0107", "818.555.0175", "8185550133", "+1 747-555-0190"), email="gevorg.s@example.org",
    ),
]


def _header(p: Identity) -> str:
    return (
        "MAXIMUS Federal Services\nIndependent Medical Review\nP.O. Box 138009\nSacramento, CA 95813-8009\n\n"
        f"{p.worker_caps}\n{p.street.upper()}\n{p.city_line.upper()}\n\n"
        f"Employee:          {p.worker}          Claim Number:  {p.claim}\n"
        f"Employer:          {p.employer}\n"
        f"Date of Birth:     {p.dob}          SSN: {p.ssn}\n"
        f"Requesting Physician:  Dr. {p.physician}, M.D.\n"
        f"Claims Adjuster:   {p.adjuster}          Phone: {p.phones[0]}\n\n"
        f"Dear {p.title} {p.worker}:\n\n"
    )


def _narrative(p: Identity, n: int) -> str:
    """One planted passage per item, rotating through the phrasings."""
    passages = [
        f"Per Dr. {p.physician}'s Norco 10/325 note, {p.title} {p.worker_folded} "
        f"(date of birth of {p.dob_variants[0]}, "
        f"claim {p.claim_variants[0]}) reported pain; her contact is {p.phones[1]} or {p.email}. ",
        f"{p.worker_caps} was seen with {p.relative}, born on {p.dob_variants[1]}; SSN {p.ssn_variants[0]}, "
        f"call {p.phones[2]}, claim number {p.claim_variants[1]}, adjuster {p.adjuster} at {p.phones[3]}. ",
        f"The file for {p.worker} of {p.city_line} ({p.street}) lists Social Security {p.ssn_variants[1]}, "
        f"Claim #: {p.claim_variants[2]}, and {p.employer} as employer; Dr. {p.physician} signed the RFA. ",
    ]
    return passages[n % len(passages)]


def _closing(p: Identity) -> str:
    return (
        "\n\nSincerely,\n\nPaul Manchester, MD\nMedical Director\n\n"
        f"cc: {p.worker_caps}\n{p.street.upper()}\n{p.city_line.upper()}\n\n"
        f"DR {p.physician_caps} MD\n2200 W 3RD ST STE 400\nLOS ANGELES CA 90057\n\n"
        f"{p.employer.upper()}\nATTN: {p.adjuster.upper()}\n"
    )


def planted_letter(name: str, identity: Identity) -> str:
    """The bundled letter `name` with `identity` planted in header, every rationale and closing."""
    text = (bundled_dir("letters") / f"{name}.txt").read_text(encoding="utf-8")
    record = parse_letter(Document(text=text, source=f"{name}.txt"))
    starts = sorted(it.spans["rationale"][0] for it in record.items if "rationale" in it.spans)
    assert starts, name
    out, pos = [], 0
    for n, s in enumerate(starts):
        colon = text.index(":", s) + 1 if "rationale:" in text[s : s + 40].lower() else s
        out += [text[pos:colon], " " + _narrative(identity, n)]
        pos = colon
    out.append(text[pos:])
    return _header(identity) + "".join(out).rstrip() + _closing(identity)


def planted_letters() -> list[tuple[str, str, Identity]]:
    return [(name, planted_letter(name, p), p) for name, p in zip(LETTERS, IDENTITIES, strict=True)]


def wire_text(bodies: list[bytes]) -> str:
    """Raw request bodies plus every string inside them decoded (JSON may escape accents)."""
    parts: list[str] = []
    for b in bodies:
        raw = b.decode("utf-8", errors="replace")
        parts.append(raw)
        with contextlib.suppress(ValueError):
            parts.extend(_strings(json.loads(raw)))
    return "\n".join(parts)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def leaks(wire: str, identity: Identity) -> list[str]:
    """Planted values found in `wire` (`wire_text`), in any case or accent form, numbers
    with any separators."""
    folded = fold(wire)
    found = [v for v in identity.planted() if fold(v) in folded]
    numbers = {re.sub(r"\D", "", m.group(0)) for m in re.finditer(r"\+?\(?\d[\d \-./()]*\d", wire)}
    for v in identity.planted():
        d = re.sub(r"\D", "", v)
        if len(d) >= 6 and any(d in n for n in numbers) and v not in found:
            found.append(v)
    found += sorted(w for w in identity.name_words() if re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", folded))
    return found
