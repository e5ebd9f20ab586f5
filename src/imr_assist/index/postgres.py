"""Scale-out backend: the same interface over PostgreSQL (`--db postgresql://...`).

* full-text search: a stored, generated `tsvector` (request weighted A, rationale D,
  'english' config) with a GIN index, ranked with `ts_rank` for an OR query of the query's
  first `LEXICAL_TERMS` terms over at most `LEXICAL_ROWS` matching rows (the same-kind group
  filters come first, so those rows are of the right kind);
* vectors: pgvector (`vector(384)`, HNSW index, cosine distance) when the `vector`
  extension can be created in the database; without it the backend is lexical +
  structured, exactly like SQLite without the `[embed]` extra;
* filters are SQL on indexed columns (btree on generic/drug class/decision, GIN on the
  text[] columns); stats are SQL aggregates.

Many workers can index into one database at once: each letter is replaced in its own
transaction (delete the letter's rows, insert the new ones), so workers given disjoint
folders never conflict, and a worker that re-indexes a letter another one did simply
replaces it. Queries need no side index, so any number of readers can share it.
Connection strings follow libpq (`postgresql://user:pass@host:5432/db`; `PGPASSWORD`
and `~/.pgpass` work too).
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import IndexStoreError
from .base import DecisionIndexBase, Light
from .embed import Embedder
from .models import IndexedDecision, IndexStats, SearchFilters, StatRow, filter_conditions
from .text import page_terms

T = "imr_decisions"
#: Text ranking cost bounds: the query's first terms (request words come first), and at most
#: this many matching rows ranked by `ts_rank` (each one reads its stored tsvector). At 100k
#: decisions ranking every match of a 32-term item query took over a second.
LEXICAL_TERMS, LEXICAL_ROWS = 12, 2000
SCHEMA_VERSION = "2"
_LOCK = 727001  # advisory lock: schema changes exclusive, writers shared
_COLUMNS = (
    "id, letter_id, item_number, case_number, request, decision, category, drug_class, generic_name, "
    "denial_reasons, reviewer_guidelines, reviewer_pages, rationale, decision_date, date_of_injury, "
    "reviewer_specialties, family, regions, side, treatment, findings"
)


#: How `filter_conditions` kinds read in PostgreSQL (list columns are text arrays).
_SQL = {
    "equals": "{col} = %s",
    "generic": "({col} = %s OR generic_parts @> ARRAY[%s]::text[])",
    "holds": "{col} @> ARRAY[%s]::text[]",
    "holds_like": "EXISTS (SELECT 1 FROM unnest({col}) s WHERE lower(s) LIKE %s ESCAPE '\\')",
    "overlaps": "{col} && %s::text[]",
}

def _schema(dim: int | None) -> list[str]:
    stmts = [
        "CREATE TABLE IF NOT EXISTS imr_meta (key text PRIMARY KEY, value text)",
        "CREATE TABLE IF NOT EXISTS imr_letters (letter_id text PRIMARY KEY, source text)",
        "CREATE INDEX IF NOT EXISTS imr_letters_source ON imr_letters(source)",
        f"""CREATE TABLE IF NOT EXISTS {T} (
          id text PRIMARY KEY, letter_id text NOT NULL, item_number int NOT NULL, case_number text,
          request text NOT NULL, decision text NOT NULL, category text NOT NULL, drug_class text,
          generic_name text, generic_parts text[] NOT NULL DEFAULT '{{}}',
          denial_reasons text[] NOT NULL DEFAULT '{{}}', reviewer_guidelines text[] NOT NULL DEFAULT '{{}}',
          reviewer_pages text[] NOT NULL DEFAULT '{{}}', page_terms text[] NOT NULL DEFAULT '{{}}',
          rationale text NOT NULL DEFAULT '', decision_date text, date_of_injury text,
          reviewer_specialties text[] NOT NULL DEFAULT '{{}}',
          tsv tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english', request || ' ' || coalesce(generic_name, '')), 'A')
            || setweight(to_tsvector('english', rationale), 'D')) STORED
        )""",
        f"CREATE INDEX IF NOT EXISTS {T}_tsv ON {T} USING gin(tsv)",
        f"CREATE INDEX IF NOT EXISTS {T}_letter ON {T}(letter_id)",
        f"CREATE INDEX IF NOT EXISTS {T}_generic ON {T}(generic_name)",
        f"CREATE INDEX IF NOT EXISTS {T}_parts ON {T} USING gin(generic_parts)",
        f"CREATE INDEX IF NOT EXISTS {T}_class ON {T}(drug_class, decision)",
        f"CREATE INDEX IF NOT EXISTS {T}_reasons ON {T} USING gin(denial_reasons)",
        f"CREATE INDEX IF NOT EXISTS {T}_pages ON {T} USING gin(page_terms)",
        # schema 2: the treatment key and the findings (added to older tables in place)
        f"ALTER TABLE {T} ADD COLUMN IF NOT EXISTS family text",
        f"ALTER TABLE {T} ADD COLUMN IF NOT EXISTS regions text[] NOT NULL DEFAULT '{{}}'",
        f"ALTER TABLE {T} ADD COLUMN IF NOT EXISTS side text",
        f"ALTER TABLE {T} ADD COLUMN IF NOT EXISTS treatment text NOT NULL DEFAULT ''",
        f"ALTER TABLE {T} ADD COLUMN IF NOT EXISTS findings text[] NOT NULL DEFAULT '{{}}'",
        f"CREATE INDEX IF NOT EXISTS {T}_family ON {T}(family, decision)",
        f"CREATE INDEX IF NOT EXISTS {T}_regions ON {T} USING gin(regions)",
        # the content hash of each letter's record: re-indexing the same records is skipped
        "ALTER TABLE imr_letters ADD COLUMN IF NOT EXISTS hash text",
    ]
    if dim:
        stmts += [
            f"ALTER TABLE {T} ADD COLUMN IF NOT EXISTS embedding vector({dim})",
            f"CREATE INDEX IF NOT EXISTS {T}_hnsw ON {T} USING hnsw (embedding vector_cosine_ops)",
        ]
    return stmts


class PostgresIndex(DecisionIndexBase):
    """Decisions in a PostgreSQL database (see the module docstring). `ann_index=False` leaves
    the HNSW index out (a bulk load builds it once at the end: far faster than row by row)."""

    def __init__(self, url: str, embedder: Embedder | None = None, *, ann_index: bool = True) -> None:
        try:
            import psycopg
        except ImportError:
            raise IndexStoreError("PostgreSQL needs the [postgres] extra: pip install 'imr-assist[postgres]'") from None
        self.location = re.sub(r"//[^@/]*@", "//", url)
        try:
            self.con = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise IndexStoreError(f"{self.location}: cannot connect ({first})") from None
        self.embedder = embedder
        # Schema changes take the exclusive advisory lock, writers the shared one (first thing
        # in their transaction): a worker that starts while others index waits for them instead
        # of deadlocking on table locks, and a current schema is not touched at all.
        if self._schema_version() != SCHEMA_VERSION:
            with self.con.transaction():
                self.con.execute(f"SELECT pg_advisory_xact_lock({_LOCK})")
                for stmt in _schema(None):
                    self.con.execute(stmt)
                self._fill_keys()
                self.con.execute("INSERT INTO imr_meta VALUES ('schema_version', %s) ON CONFLICT (key) "
                                 "DO UPDATE SET value = EXCLUDED.value", (SCHEMA_VERSION,))  # fmt: skip
        self._pgvector = self._try_pgvector()
        model = self._meta("embed_model")
        if self._pgvector and embedder is not None and model in (None, embedder.name):
            wanted = _schema(embedder.dim)[-2:] if ann_index else _schema(embedder.dim)[-2:-1]
            if not self._has_vector_schema(ann_index):
                with self.con.transaction():
                    self.con.execute(f"SELECT pg_advisory_xact_lock({_LOCK})")
                    for stmt in wanted:
                        self.con.execute(stmt)

    def _exists(self, relation: str) -> bool:
        row = self.con.execute("SELECT to_regclass(%s)", (relation,)).fetchone()
        return row is not None and row[0] is not None

    def _schema_version(self) -> str | None:
        return self._meta("schema_version") if self._exists("imr_meta") else None

    def _has_vector_schema(self, ann_index: bool) -> bool:
        col = self.con.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = 'embedding'", (T,)
        ).fetchone()
        if col is None:
            return False
        return not ann_index or self._exists(f"{T}_hnsw")

    def _try_pgvector(self) -> bool:
        import psycopg

        if self.con.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone():
            return True
        try:
            with self.con.transaction():
                self.con.execute("CREATE EXTENSION IF NOT EXISTS vector")
            return True
        except psycopg.Error:
            return False

    def _fill_keys(self) -> None:
        """Rows from schema 1 get their treatment key (findings stay empty until re-indexed)."""
        from ..schema import Item
        from ..treatment import treatment_key

        q = f"SELECT id, request, decision, category, generic_name, drug_class FROM {T} WHERE family IS NULL"
        updates = []
        for i, request, decision, category, generic, cls in self.con.execute(q).fetchall():
            key = treatment_key(Item(request=request, decision=decision, category=category, generic_name=generic,
                                     drug_class=cls))  # fmt: skip
            if key.family:
                updates.append((key.family, key.regions, key.side, key.label, i))
        if updates:
            self.con.cursor().executemany(
                f"UPDATE {T} SET family=%s, regions=%s, side=%s, treatment=%s WHERE id=%s", updates
            )

    def _meta(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM imr_meta WHERE key=%s", (key,)).fetchone()
        return row[0] if row else None

    def has_vectors(self) -> bool:
        return self._pgvector and self.embedder is not None and self._meta("embed_model") == self.embedder.name

    def close(self) -> None:
        self.con.close()

    # ---- writing ---------------------------------------------------------------------------------
    def _replace_letters(self, decisions, vectors, letters) -> None:
        model_name = self.embedder.name if self.embedder is not None else None
        use_vec = vectors is not None and self._pgvector and model_name is not None
        if use_vec and self._meta("embed_model") not in (None, model_name):
            use_vec = False
        by_letter: dict[str, list[int]] = {}
        for n, d in enumerate(decisions):
            by_letter.setdefault(d.letter_id, []).append(n)
        with self.con.transaction():
            cur = self.con.cursor()
            cur.execute(f"SELECT pg_advisory_xact_lock_shared({_LOCK})")  # no schema change meanwhile
            if use_vec:
                cur.execute("INSERT INTO imr_meta VALUES ('embed_model', %s) ON CONFLICT (key) DO NOTHING",
                            (model_name,))  # fmt: skip
            for letter_id, source, digest in letters:
                cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (letter_id,))
                olds = {letter_id}
                if source:
                    olds |= {r[0] for r in cur.execute("SELECT letter_id FROM imr_letters WHERE source=%s", (source,))}
                cur.execute(f"DELETE FROM {T} WHERE letter_id = ANY(%s)", (list(olds),))
                cur.execute("DELETE FROM imr_letters WHERE letter_id = ANY(%s)", (list(olds),))
                cur.execute("INSERT INTO imr_letters (letter_id, source, hash) VALUES (%s, %s, %s)",
                            (letter_id, source, digest))  # fmt: skip
            cols = _COLUMNS + ", generic_parts, page_terms" + (", embedding" if use_vec else "")
            ph = ", ".join(["%s"] * 23 + (["%s::vector"] if use_vec else []))
            rows = []
            for n, d in enumerate(decisions):
                row = [d.id, d.letter_id, d.item_number, d.case_number, d.request, d.decision, d.category,
                       d.drug_class, d.generic_name, d.denial_reasons, d.reviewer_guidelines, d.reviewer_pages,
                       d.rationale, d.decision_date, d.date_of_injury, d.reviewer_specialties,
                       d.family, d.regions, d.side, d.treatment, d.findings,
                       d.generic_name.split("/") if d.generic_name else [], page_terms(d.reviewer_pages)]  # fmt: skip
                if use_vec:
                    row.append(_vec_literal(vectors[n]))
                rows.append(row)
            if rows:
                cur.executemany(f"INSERT INTO {T} ({cols}) VALUES ({ph})", rows)

    def remove_letter(self, letter_id: str) -> int:
        with self.con.transaction():
            n = self.con.execute(f"DELETE FROM {T} WHERE letter_id=%s", (letter_id,)).rowcount
            self.con.execute("DELETE FROM imr_letters WHERE letter_id=%s", (letter_id,))
        return n

    def indexed_sources(self) -> dict[str, str]:
        q = "SELECT letter_id, source FROM imr_letters WHERE source IS NOT NULL"
        return {s: lid for lid, s in self.con.execute(q)}

    def indexed_hashes(self) -> dict[str, str]:
        q = "SELECT letter_id, hash FROM imr_letters WHERE hash IS NOT NULL"
        return dict(self.con.execute(q))

    # ---- SQL filters -------------------------------------------------------------------------------
    @staticmethod
    def _where(f: SearchFilters | None, exclude_letter: str | None = None) -> tuple[str, list]:
        sql: list[str] = ["TRUE"]
        args: list[object] = []
        for kind, col, values in filter_conditions(f):
            sql.append(_SQL[kind].format(col=col))
            args += [list(values)] if kind == "overlaps" else values
        if exclude_letter is not None:
            sql.append("letter_id <> %s")
            args.append(exclude_letter)
        return " AND ".join(sql), args

    # ---- primitives ----------------------------------------------------------------------------------
    def _lexical(self, terms, n, filters, exclude_letter):
        words = [t for t in terms if re.fullmatch(r"[a-z0-9]+", t)][:LEXICAL_TERMS]
        if not words:
            return []
        where, args = self._where(filters, exclude_letter)
        q = (f"WITH q AS (SELECT to_tsquery('english', %s) AS q), "
             f"c AS (SELECT id, tsv FROM {T}, q WHERE tsv @@ q.q AND {where} LIMIT {LEXICAL_ROWS}) "
             "SELECT id, ts_rank(tsv, q.q) AS r FROM c, q ORDER BY r DESC, id LIMIT %s")  # fmt: skip
        return [(i, float(r)) for i, r in self.con.execute(q, [" | ".join(words), *args, n])]

    def _vector(self, vector, n, filters, exclude_letter):
        if not self.has_vectors():
            return []
        where, args = self._where(filters, exclude_letter)
        q = (f"SELECT id, 1 - (embedding <=> %s::vector) FROM {T} WHERE embedding IS NOT NULL AND {where} "
             "ORDER BY embedding <=> %s::vector LIMIT %s")  # fmt: skip
        v = _vec_literal(vector)
        return [(i, float(s)) for i, s in self.con.execute(q, [v, *args, v, n])]

    def _cosines(self, vector, ids):
        if not self.has_vectors() or not ids:
            return {}
        q = f"SELECT id, 1 - (embedding <=> %s::vector) FROM {T} WHERE id = ANY(%s) AND embedding IS NOT NULL"
        return {i: float(s) for i, s in self.con.execute(q, [_vec_literal(vector), list(ids)])}

    def _matching(self, n, filters, exclude_letter):
        where, args = self._where(filters, exclude_letter)
        q = f"SELECT id FROM {T} WHERE {where} ORDER BY decision_date DESC NULLS LAST, id DESC LIMIT %s"
        return [r[0] for r in self.con.execute(q, [*args, n])]

    def _light(self, ids):
        q = f"SELECT id, letter_id, generic_name, drug_class, category, family, regions, side FROM {T} WHERE id=ANY(%s)"
        return {
            i: Light(lid, g, dc, cat, fam, tuple(rg), sd)
            for i, lid, g, dc, cat, fam, rg, sd in self.con.execute(q, (list(ids),))
        }

    def _fetch(self, ids):
        if not ids:
            return {}
        names = [c.strip() for c in _COLUMNS.split(",")]
        out = {}
        for r in self.con.execute(f"SELECT {_COLUMNS} FROM {T} WHERE id = ANY(%s)", (list(ids),)):
            d = IndexedDecision.model_validate(dict(zip(names, r, strict=True)))
            out[d.id] = d
        return out

    def _stored_vector(self, id):
        if not self.has_vectors():
            return None
        row = self.con.execute(f"SELECT embedding::text FROM {T} WHERE id=%s", (id,)).fetchone()
        if not row or row[0] is None:
            return None
        return np.asarray([float(x) for x in row[0].strip("[]").split(",")], np.float32)

    # ---- counts and stats ------------------------------------------------------------------------------
    def count(self, filters=None) -> int:
        where, args = self._where(filters)
        row = self.con.execute(f"SELECT count(*) FROM {T} WHERE {where}", args).fetchone()
        return int(row[0]) if row else 0

    def stats(self, filters=None, top=None) -> IndexStats:
        where, args = self._where(filters)
        base = f"SELECT * FROM {T} WHERE {where}"
        t, o, letters = self.con.execute(
            "SELECT count(*), count(*) FILTER (WHERE decision='overturned'), count(DISTINCT letter_id) "
            f"FROM ({base}) d",
            args,
        ).fetchone() or (0, 0, 0)

        def grouped(key_sql: str, from_sql: str = "") -> list[StatRow]:
            q = (f"SELECT {key_sql} AS k, count(*) AS n, count(*) FILTER (WHERE decision='overturned') "
                 f"FROM ({base}) d {from_sql} GROUP BY {key_sql} HAVING {key_sql} IS NOT NULL ORDER BY n DESC, k"
                 + (f" LIMIT {int(top)}" if top else ""))  # fmt: skip
            return [StatRow(key=k, total=n, overturned=ov, upheld=n - ov, overturn_rate=_rate(ov, n))
                    for k, n, ov in self.con.execute(q, args)]  # fmt: skip

        return IndexStats(
            total=t, overturned=o, upheld=t - o, overturn_rate=_rate(o, t), letters=letters,
            by_generic_name=grouped("d.generic_name"), by_drug_class=grouped("d.drug_class"),
            by_category=grouped("d.category"), by_family=grouped("d.family"),
            by_guideline_page=grouped("j.v", "CROSS JOIN LATERAL unnest(d.reviewer_pages) AS j(v)"),
            by_denial_reason=grouped("j.v", "CROSS JOIN LATERAL unnest(d.denial_reasons) AS j(v)"),
        )  # fmt: skip


def _vec_literal(v) -> str:
    """pgvector's text form, so no client-side adapter package is needed."""
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(v, np.float32).tolist()) + "]"


def _rate(overturned: int, total: int) -> float:
    return round(overturned / total, 4) if total else 0.0

