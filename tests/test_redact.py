"""PHI redaction before remote model calls: planted identifiers are masked, the map back
is exact, the policy is on for remote and off for local endpoints, and a request captured
at a fake OpenAI-compatible endpoint carries none of the planted identifiers."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from imr_assist.assets import bundled_dir
from imr_assist.model import IdentifierRedactor, NoRedaction, is_local, open_model, should_redact
from imr_assist.model.config import resolve
from imr_assist.privacy.redact import redact_text
from imr_assist.settings import Settings

LETTER = (bundled_dir("letters") / "000_ab6402283f960931.txt").read_text(encoding="utf-8")

#: Identifiers planted in a real letter; none may survive redaction.
PLANTED = {
    "NAME": ["Johnathan Q. Smithers", "Maria Gonzalez-Ruiz", "Robert Chen", "Priya Natarajan", "Okafor"],
    "CASE": ["05-WC-7781234", "ADJ10447321", "CM16-0213037"],
    "PHONE": ["(916) 555-0142", "916.555.0199", "+1 415-555-0100"],
    "EMAIL": ["maria.gr@example.com"],
    "ADDRESS": ["1234 N. Oak Tree Lane, Suite 200, Sacramento, CA 95814", "P.O. Box 4410"],
    "DOB": ["04/12/1961"],
    "SSN": ["123-45-6789"],
}
HEADER = (
    "Dear Mr. Johnathan Q. Smithers,\n"
    "Patient Name: Maria Gonzalez-Ruiz    DOB: 04/12/1961    SSN: 123-45-6789\n"
    "Claim Number: 05-WC-7781234   WCAB Case No. ADJ10447321   Case Number: CM16-0213037\n"
    "Requesting Physician: Robert Chen, M.D., 1234 N. Oak Tree Lane, Suite 200, Sacramento, CA 95814\n"
    "Phone (916) 555-0142  Fax 916.555.0199  Adjuster line +1 415-555-0100  maria.gr@example.com\n"
    "Send appeals to P.O. Box 4410. Reviewed with Dr. Priya Natarajan and Ms. Okafor.\n\n"
)
PLANTED_LETTER = HEADER + LETTER + "\nThe patient, Ms. Okafor, was seen by Dr. Priya Natarajan on 10-1-15.\n"


def all_planted() -> list[str]:
    return [v for vs in PLANTED.values() for v in vs]


def test_every_planted_identifier_is_masked() -> None:
    r = redact_text(PLANTED_LETTER)
    for value in all_planted():
        assert value not in r.text, value
    # pieces of names do not survive either
    for piece in ("Smithers", "Gonzalez", "Natarajan", "Okafor", "7781234", "0142", "Oak Tree"):
        assert piece not in r.text, piece
    kinds = r.counts()
    assert kinds["NAME"] >= 5 and kinds["CASE"] >= 3 and kinds["PHONE"] == 3
    assert kinds["EMAIL"] == 1 and kinds["ADDRESS"] >= 2 and kinds["DOB"] == 1 and kinds["SSN"] == 1


def test_clinical_content_is_kept() -> None:
    """What extraction needs survives: requests, decisions, doses, injury and UR dates."""
    r = redact_text(PLANTED_LETTER)
    for keep in ("Baclofen 10mg #60 with 1 refill: Upheld", "120 Percocet 7.5/325mg", "10- \n\n11-01",
                 "10-31-15", "53-year-old", "MTUS Chronic Pain Medical Treatment", "Dear Mr. ["):  # fmt: skip
        assert keep in r.text, keep
    # the unplanted real letter: only its case number (none in this one) may change
    assert redact_text(LETTER).text == LETTER


def test_same_value_same_placeholder_and_restore() -> None:
    r = redact_text(PLANTED_LETTER)
    ph = {m.value: m.placeholder for m in r.masks}
    assert r.text.count(ph["Priya Natarajan"]) == 2 and r.text.count(ph["Okafor"]) == 2
    assert len(set(ph.values())) == len(ph)  # one placeholder per distinct value
    assert r.restore(r.text) == PLANTED_LETTER
    model_answer = json.dumps({"case_number": "[CASE_3]", "physician": "Dr. [NAME_4]"})
    restored = json.loads(r.restore(model_answer))
    assert restored["case_number"] == "CM16-0213037"
    assert "[" not in restored["physician"]


def test_spans_map_back_to_original() -> None:
    r = redact_text(PLANTED_LETTER)
    for quote in ("Baclofen 10mg #60 with 1 refill", "Decision rationale: The MTUS Guidelines"):
        s = r.text.index(quote)
        os_, oe = r.to_original(s, s + len(quote))
        assert PLANTED_LETTER[os_:oe] == quote
    # a span that covers a placeholder covers the whole identifier in the original
    s = r.text.index("Case Number: ") + len("Case Number: ")
    e = r.text.index("]", s) + 1
    os_, oe = r.to_original(s, e)
    assert PLANTED_LETTER[os_:oe] == "CM16-0213037"
    line = r.text.index("Requesting Physician:")
    end = r.text.index("\n", line)
    os_, oe = r.to_original(line, end)
    assert PLANTED_LETTER[os_:oe].startswith("Requesting Physician: Robert Chen, M.D., 1234 N. Oak")
    assert PLANTED_LETTER[os_:oe].endswith("CA 95814")


@settings(max_examples=200, deadline=None, database=None)
@example(["Employee Name: Jo²e Smith\n"])  # '²' is a word character whose folded form is a digit
@given(st.lists(st.one_of(st.sampled_from(all_planted() + ["Dr. ", "Mr. ", " ", "\n", "[NAME_1]", "#60"]),
                          st.text(max_size=20)), max_size=30))  # fmt: skip
def test_redaction_is_reversible_for_any_text(parts: list[str]) -> None:
    text = "".join(parts)
    r = redact_text(text)
    assert r.restore(r.text) == text
    assert r.to_original(0, len(r.text)) == (0, len(text))
    for m in r.masks:
        assert text[m.orig_start : m.orig_end] == m.value
        assert r.text[m.masked_start : m.masked_end] == m.placeholder


@pytest.mark.parametrize(
    ("url", "local"),
    [
        (None, False), ("https://api.openai.com/v1", False), ("https://my-proxy.example.org/v1", False),
        ("http://192.168.1.20:8000/v1", False), ("http://localhost:11434/v1", True),
        ("http://127.0.0.1:8080/v1", True), ("http://[::1]:8000/v1", True), ("localhost:1234", True),
        ("http://llm.localhost/v1", True), ("http://localhost.evil.com/v1", False), ("http://0.0.0.0:8080/v1", True),
    ],
)  # fmt: skip
def test_policy_remote_on_local_off(url: str | None, local: bool) -> None:
    assert is_local(url) is local
    assert should_redact(url, None) is (not local)
    assert should_redact(url, True) is True and should_redact(url, False) is False
    cfg = resolve(Settings.resolve(env={}, model="m", base_url=url, api_key="sk-test-dummy", allow_insecure=True))
    assert cfg.redact is (not local)
    assert cfg.redaction_note(None).startswith("redaction off" if local else "redaction on")


def test_no_redaction_step_is_identity() -> None:
    messages = [{"role": "user", "content": PLANTED_LETTER}]
    question = NoRedaction().mask_messages(messages)
    assert question.messages == messages and question.restore("[NAME_1]") == "[NAME_1]"


def test_redaction_step_masks_user_messages_alike_and_leaves_the_system_prompt() -> None:
    messages = [
        {"role": "system", "content": "Rules. Dr. Example Person wrote them."},
        {"role": "user", "content": "Seen by Dr. Priya Natarajan."},
        {"role": "user", "content": PLANTED_LETTER},
    ]
    question = IdentifierRedactor().mask_messages(messages)
    assert question.messages[0] == messages[0]
    first, second = question.messages[1]["content"], question.messages[2]["content"]
    assert "Natarajan" not in first + second
    placeholder = first[len("Seen by Dr. "): -1]
    assert placeholder in second  # one identifier, one placeholder across messages
    assert question.restore(second) == PLANTED_LETTER


class CaseAnswer(BaseModel):
    case_number: str


def _completion(content: str) -> httpx.Response:
    return httpx.Response(200, json={
        "id": "c1", "object": "chat.completion", "created": 0, "model": "fake",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    })  # fmt: skip


def test_no_planted_identifier_reaches_a_remote_request_body() -> None:
    """Through the model gateway and the real OpenAI client, against a fake remote
    OpenAI-compatible endpoint captured in-process: nothing planted is sent, and the
    placeholder the model echoes comes back as the real value."""
    captured: list[bytes] = []

    def endpoint(request: httpx.Request) -> httpx.Response:
        captured.append(request.content)
        prompt = json.loads(request.content)["messages"][-1]["content"]
        # the fake model echoes a placeholder it saw, as a real model quoting the letter would
        start = prompt.index("Case Number: ") + len("Case Number: ")
        return _completion(json.dumps({"case_number": prompt[start : prompt.index("]", start) + 1]}))

    settings = Settings.resolve(env={}, model="fake", base_url="https://models.example.com/v1",
                                api_key="sk-test-dummy", mode="json", use_cache=False)  # fmt: skip
    model = open_model(settings, http_client=httpx.Client(transport=httpx.MockTransport(endpoint)))
    answer = model.ask([{"role": "user", "content": PLANTED_LETTER}], CaseAnswer)
    assert len(captured) == 1
    wire = captured[0].decode("utf-8")
    wire_json = json.dumps(json.loads(wire))  # also the \u-escaped form the client may send
    for value in all_planted():
        assert value not in wire and json.dumps(value)[1:-1] not in wire_json, value
    assert "Baclofen 10mg #60 with 1 refill" in json.loads(wire)["messages"][-1]["content"]
    assert answer.value.case_number == "CM16-0213037"


class FakeRemoteExtractor:
    """Stands in for a model extractor: asks the gateway one question with the whole letter
    (the gateway applies the redaction policy), returns the rules record."""

    name = "fake-remote"
    bodies: list[bytes] = []

    def __init__(self, settings: Settings | None = None, ledger: object = None) -> None:
        def endpoint(request: httpx.Request) -> httpx.Response:
            FakeRemoteExtractor.bodies.append(request.content)
            return _completion(json.dumps({"case_number": "x"}))

        assert settings is not None
        self.model = open_model(settings, http_client=httpx.Client(transport=httpx.MockTransport(endpoint)))

    def extract(self, doc):  # noqa: ANN001, ANN201
        from imr_assist.layout.parser import parse_letter

        self.model.ask([{"role": "user", "content": doc.text}], CaseAnswer)
        return parse_letter(doc)


@pytest.mark.parametrize(
    ("url", "flag", "masked", "note"),
    [
        ("https://api.example.com/v1", [], True, "redaction on (by default for a remote endpoint)"),
        ("http://127.0.0.1:8080/v1", [], False, "redaction off (by default for a local endpoint)"),
        ("http://127.0.0.1:8080/v1", ["--redact"], True, "redaction on (by --redact/--no-redact)"),
        ("https://api.example.com/v1", ["--no-redact"], False, "redaction off (by --redact/--no-redact)"),
    ],
)
def test_cli_redaction_policy_end_to_end(tmp_path, monkeypatch, url, flag, masked, note) -> None:  # noqa: ANN001
    """Through the real `extract` command: the policy picks redaction, the request body
    is masked exactly when it should be, and the JSON output states what was done."""
    from typer.testing import CliRunner

    from imr_assist.cli import app
    from imr_assist.extractors import _REGISTRY

    monkeypatch.setitem(_REGISTRY, "fake-remote", f"{__name__}:FakeRemoteExtractor")
    monkeypatch.setenv("IMR_ASSIST_API_KEY", "sk-test-dummy")
    FakeRemoteExtractor.bodies = []
    letter = tmp_path / "planted.txt"
    letter.write_text(PLANTED_LETTER, encoding="utf-8")
    res = CliRunner().invoke(app, ["extract", str(letter), "--json", "--extractor", "fake-remote", "--model", "m",
                                   "--no-cache", "--base-url", url, *flag])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert len(FakeRemoteExtractor.bodies) == 1
    wire = FakeRemoteExtractor.bodies[0].decode("utf-8")
    leaked = [v for v in all_planted() if json.dumps(v)[1:-1] in wire]
    assert (leaked == []) if masked else (len(leaked) == len(all_planted()))
    out = json.loads(res.stdout[res.stdout.index("{"):])
    assert out["redaction"] == note
    assert len(out["items"]) == 3


def test_mask_other_strings_with_the_same_placeholders() -> None:
    """Item headings sent alongside a masked block share its placeholders, so a value the
    model copies from either restores to the right identifier."""
    r = redact_text("Seen by Dr. Priya Natarajan; claim 05-WC-7781234 per Claim No. 05-WC-7781234.")
    ph = {m.value: m.placeholder for m in r.masks}
    heading = r.mask("Consultation with Dr. Priya Natarajan and Dr. Lee Wong: Upheld")
    assert ph["Priya Natarajan"] in heading and "Natarajan" not in heading and "Wong" not in heading
    new = heading[heading.index("Dr. [", heading.index(ph["Priya Natarajan"]) + 1) + 4 : heading.rindex("]") + 1]
    assert new != ph["Priya Natarajan"] and r.restore(new) == "Lee Wong"
    assert r.restore(heading) == "Consultation with Dr. Priya Natarajan and Dr. Lee Wong: Upheld"
    assert r.restore(r.text) == r.original


def test_surnames_that_are_clinical_words_or_acronyms_are_masked_after_a_title() -> None:
    """"Walker" and "Bath" are treatment words, "Le" and "Do" acronyms (lower extremity,
    osteopath): after a title they are names; the drug, the acronym in capitals and the
    lower-case treatment word are kept."""
    text = ("Mr. Le was seen. Dr. Walker noted LE weakness; Mrs. Do called. Per Dr. Smith's Norco 10/325 note, "
            "Ms. Bath used a walker and TENS. Mr. Vu and Ms. Ha Nguyen agreed.")  # fmt: skip
    masked = redact_text(text).text
    for name in ("Le was", "Walker", "Do called", "Smith", "Bath", "Vu", "Ha Nguyen"):
        assert name not in masked, (name, masked)
    for kept in ("Norco 10/325", "LE weakness", "a walker and TENS", "Mr. [", "Dr. ["):
        assert kept in masked, (kept, masked)
