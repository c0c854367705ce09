#!/usr/bin/env python3
"""Peer benchmark: SQLAlchemy + SQLAlchemy-Continuum on Verso's chat workloads.

The domain is the one of Verso's benchmark (crates/verso-bench/src/model.rs):
a ChatThread owning an ordered list of ChatMessages. Both classes are
versioned by Continuum (`__versioned__ = {}`, default "validity" strategy:
every changed row gets a row in its *_version table and the previous version
row of the same object gets its end_transaction_id set; every transaction
gets a row in `transaction`).

Workloads (each in a fresh database: a new SQLite file, or a freshly created
PostgreSQL schema that is dropped afterwards):

  growth   one thread grown turn by turn; each turn appends one message and
           commits (one transaction per turn). Each turn also bumps the
           thread's `turns` column, so that Continuum writes a new version of
           the thread too, as Verso forks the parent thread on every commit.
           Two variants:
             growth          one long-lived session keeps the thread and all
                             its messages loaded (expire_on_commit=False), like
                             the in-memory thread Verso commits;
             growth-fresh    a new session per turn: get the thread row by
                             primary key, add the message by thread_id (the
                             collection is never loaded), bump `turns`.
  edit     a thread of N messages (built with the ORM in one transaction, so
           Continuum versions every message, inserts batched by SQLAlchemy's
           insertmanyvalues), then 1 untimed + 5 timed commits that each edit
           the content of the middle message. Only the message changes: with
           Continuum, the thread as of any transaction is rebuilt from the
           version tables, so the parent need not be touched. Two variants:
             edit            the thread and its N messages stay loaded in the
                             session (as Verso's in-memory thread);
             edit-by-key     a new session per edit selects the one message by
                             (thread_id, position), edits it, commits.
  ingest   one new thread with 10,000 messages committed in one transaction.
  floor    for scale: a plain one-row INSERT + COMMIT (no ORM, no versioning)
           through the same engine: what one durable commit costs here.

Statements are counted with SQLAlchemy's before_cursor_execute event, plus one
BEGIN and one COMMIT per transaction (as Verso's stats count them). Rows
written = rows of INSERTs (executemany / insertmanyvalues rows included) plus
rows reported by UPDATE/DELETE.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date

import sqlalchemy as sa
import sqlalchemy_continuum
from sqlalchemy import event
from sqlalchemy.engine.interfaces import ExecuteStyle
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy_continuum import make_versioned

# Must run before the models are declared. No user table: the transaction
# table gets no user_id column.
make_versioned(user_cls=None)


class Base(DeclarativeBase):
    pass


class ChatThread(Base):
    __tablename__ = "chat_thread"
    __versioned__ = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    # Bumped by every growth turn, so that the thread gets a new version each
    # turn (Verso forks the parent thread on every commit of a child).
    turns: Mapped[int] = mapped_column(default=0)

    messages: Mapped[list["ChatMessage"]] = relationship(
        back_populates="thread",
        order_by="ChatMessage.position",
        cascade="all, delete-orphan",
    )


class ChatMessage(Base):
    __tablename__ = "chat_message"
    __versioned__ = {}
    __table_args__ = (sa.Index("ix_chat_message_thread_position", "thread_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("chat_thread.id"))
    position: Mapped[int]
    role: Mapped[str] = mapped_column(sa.Text)
    content: Mapped[str] = mapped_column(sa.Text)

    thread: Mapped[ChatThread] = relationship(back_populates="messages")


sa.orm.configure_mappers()  # Continuum builds the *_version classes and tables here


def message_content(i):
    # Same text as Verso's benchmark (ChatThread::with_messages).
    return f"message {i}: " + "lorem ipsum dolor sit amet " * 3


def edited_content(i):
    return f"edited {i}: " + "the quick brown fox " * 4


def new_message(i):
    return ChatMessage(
        position=i,
        role="user" if i % 2 == 0 else "assistant",
        content=message_content(i),
    )


# ----------------------------------------------------------------------------
# Counting statements and rows


class Counter:
    def __init__(self):
        self.statements = 0  # incl. BEGIN and COMMIT
        self.rows = 0  # rows written
        self.by_verb = {}
        self._imv_context = None

    def attach(self, engine):
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._commit)

    def _count(self, verb):
        self.statements += 1
        self.by_verb[verb] = self.by_verb.get(verb, 0) + 1

    def _begin(self, conn):
        self._count("BEGIN")

    def _commit(self, conn):
        self._count("COMMIT")

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        verb = statement.lstrip().split(None, 1)[0].upper()
        self._count(verb)
        if verb == "INSERT":
            if context is not None and context.execute_style is ExecuteStyle.INSERTMANYVALUES:
                # One execution per batch; the parameters are flattened, so
                # count the rows of the whole statement once.
                if self._imv_context is not context:
                    self._imv_context = context
                    self.rows += len(context.compiled_parameters)
            elif executemany:
                self.rows += len(parameters)
            else:
                self.rows += 1

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in ("UPDATE", "DELETE"):
            if executemany:
                self.rows += len(parameters)
            elif cursor.rowcount is not None and cursor.rowcount > 0:
                self.rows += cursor.rowcount

    def snapshot(self):
        return (self.statements, self.rows)


# ----------------------------------------------------------------------------
# Backends


class SqliteBackend:
    name = "sqlite"

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="verso-peer-")
        self.n = 0
        self.path = None
        self.engine = None

    def fresh(self):
        self.close()
        self.n += 1
        self.path = os.path.join(self.dir, f"bench{self.n}.db")
        engine = sa.create_engine(f"sqlite:///{self.path}")

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            # Verso's SQLite settings.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        Base.metadata.create_all(engine)
        self.engine = engine
        counter = Counter()
        counter.attach(engine)
        return engine, counter

    def stored_bytes(self):
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        total = 0
        for suffix in ("", "-wal"):
            p = self.path + suffix
            if os.path.exists(p):
                total += os.path.getsize(p)
        return total

    def close(self):
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None
        if self.path:
            for suffix in ("", "-wal", "-shm"):
                p = self.path + suffix
                if os.path.exists(p):
                    os.remove(p)

    def finish(self):
        self.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def version(self):
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} (file in {tempfile.gettempdir()}, WAL, synchronous=NORMAL)"


class PostgresBackend:
    name = "postgres"

    def __init__(self, url, schema, keep_schema):
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                url = "postgresql+psycopg2://" + url[len(prefix):]
        self.url = url
        self.schema = schema
        self.keep_schema = keep_schema
        self.engine = None
        self.admin = sa.create_engine(url)
        with self.admin.connect() as conn:  # raises when unreachable
            self.server_version = conn.exec_driver_sql("SHOW server_version").scalar()

    def _recreate_schema(self):
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            conn.exec_driver_sql(f'CREATE SCHEMA "{self.schema}"')

    def fresh(self):
        self.close()
        self._recreate_schema()
        engine = sa.create_engine(
            self.url,
            connect_args={"options": f"-c search_path={self.schema} -c jit=off"},
        )
        Base.metadata.create_all(engine)
        self.engine = engine
        counter = Counter()
        counter.attach(engine)
        return engine, counter

    def stored_bytes(self):
        with self.engine.connect() as conn:
            return conn.execute(
                sa.text(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = :s AND c.relkind IN ('r', 'p', 'm', 'S')"
                ),
                {"s": self.schema},
            ).scalar()

    def close(self):
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None

    def finish(self):
        self.close()
        if not self.keep_schema:
            with self.admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        self.admin.dispose()

    def version(self):
        return f"PostgreSQL {self.server_version} (schema {self.schema}, jit=off)"


# ----------------------------------------------------------------------------
# Workloads


def result(backend, workload, size, ms, total_s=None, bytes_per=None, statements=None, rows=None, note=""):
    return {
        "backend": backend.name,
        "workload": workload,
        "size": size,
        "ms_per_commit": ms,
        "total_s": total_s,
        "bytes_per_turn": bytes_per,
        "statements_per_commit": statements,
        "rows_per_commit": rows,
        "note": note,
    }


def checkpoints_for(turns):
    marks = [k for k in (10, 100, 1000, 2000, 10000) if k <= turns]
    if turns not in marks:
        marks.append(turns)
    return marks


def growth(backend, turns, fresh_session, log):
    workload = "growth-fresh" if fresh_session else "growth"
    engine, counter = backend.fresh()
    marks = set(checkpoints_for(turns))
    times = []  # seconds per turn
    per_turn = []  # (statements, rows) of each turn
    out = []
    elapsed = 0.0

    with Session(engine, expire_on_commit=False) as s:
        thread = ChatThread(name="growth", turns=0)
        s.add(thread)
        s.commit()
        thread_id = thread.id
    long_session = Session(engine, expire_on_commit=False) if not fresh_session else None
    if long_session is not None:
        thread = long_session.get(ChatThread, thread_id)
        thread.messages  # load the (empty) collection once

    for k in range(1, turns + 1):
        i = k - 1
        c0 = counter.snapshot()
        t0 = time.perf_counter()
        if fresh_session:
            with Session(engine, expire_on_commit=False) as s:
                t = s.get(ChatThread, thread_id)
                m = new_message(i)
                m.thread_id = thread_id
                s.add(m)
                t.turns = k  # new thread version each turn
                s.commit()
        else:
            thread.messages.append(new_message(i))
            thread.turns = k  # new thread version each turn
            long_session.commit()
        dt = time.perf_counter() - t0
        c1 = counter.snapshot()
        elapsed += dt
        times.append(dt)
        per_turn.append((c1[0] - c0[0], c1[1] - c0[1]))
        if k in marks:
            window = times[max(0, k - 5):k]
            stored = backend.stored_bytes()  # outside the timed region
            out.append(
                result(
                    backend,
                    workload,
                    k,
                    statistics.median(window) * 1e3,
                    total_s=elapsed,
                    bytes_per=stored / k,
                    statements=per_turn[-1][0],
                    rows=per_turn[-1][1],
                    note=f"median of turns {max(1, k - 4)}..{k}; total = time of turns 1..{k}",
                )
            )
            log(f"  {backend.name} {workload} turn {k}: {out[-1]['ms_per_commit']:.2f} ms/commit, "
                f"{elapsed:.1f} s so far, {stored / k:.0f} bytes/turn")
    if long_session is not None:
        long_session.close()
    return out


def build_thread(engine, n, name):
    """A thread of n messages committed through the ORM in one transaction."""
    s = Session(engine, expire_on_commit=False)
    thread = ChatThread(name=name, turns=0)
    thread.messages = [new_message(i) for i in range(n)]
    s.add(thread)
    s.commit()
    return s, thread


def edit(backend, n, log, edits=5):
    engine, counter = backend.fresh()
    t0 = time.perf_counter()
    s, thread = build_thread(engine, n, f"edit {n}")
    build_s = time.perf_counter() - t0
    log(f"  {backend.name} edit N={n}: thread built in {build_s:.1f} s")
    mid = n // 2
    thread_id = thread.id
    out = []

    # Variant 1: the whole thread stays loaded in the session.
    times, stats = [], []
    for e in range(edits + 1):
        c0 = counter.snapshot()
        t0 = time.perf_counter()
        thread.messages[mid].content = edited_content(e)
        s.commit()
        dt = time.perf_counter() - t0
        c1 = counter.snapshot()
        if e > 0:  # the first is warm-up
            times.append(dt)
            stats.append((c1[0] - c0[0], c1[1] - c0[1]))
    s.close()
    out.append(
        result(backend, "edit", n, statistics.median(times) * 1e3,
               statements=stats[-1][0], rows=stats[-1][1],
               note=f"thread loaded in session; build {build_s:.1f} s")
    )
    log(f"  {backend.name} edit N={n}: {out[-1]['ms_per_commit']:.2f} ms/commit")

    # Variant 2: a new session per edit, the message selected by key.
    times, stats = [], []
    for e in range(edits + 1):
        c0 = counter.snapshot()
        t0 = time.perf_counter()
        with Session(engine) as s2:
            m = s2.scalars(
                sa.select(ChatMessage).where(ChatMessage.thread_id == thread_id, ChatMessage.position == mid)
            ).one()
            m.content = edited_content(100 + e)
            s2.commit()
        dt = time.perf_counter() - t0
        c1 = counter.snapshot()
        if e > 0:
            times.append(dt)
            stats.append((c1[0] - c0[0], c1[1] - c0[1]))
    out.append(
        result(backend, "edit-by-key", n, statistics.median(times) * 1e3,
               statements=stats[-1][0], rows=stats[-1][1],
               note="new session, SELECT the message, edit, commit")
    )
    log(f"  {backend.name} edit-by-key N={n}: {out[-1]['ms_per_commit']:.2f} ms/commit")
    return out


def floor(backend, log, when, n=50):
    """The backend's floor: a one-row INSERT + COMMIT through the same engine,
    no ORM, no versioning (a durable commit's cost on this machine)."""
    engine, counter = backend.fresh()
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE floor_probe (id INTEGER PRIMARY KEY, content TEXT NOT NULL)")
    times = []
    with engine.connect() as conn:
        for i in range(n + 5):
            c0 = counter.snapshot()
            t0 = time.perf_counter()
            conn.execute(sa.text("INSERT INTO floor_probe (id, content) VALUES (:i, :c)"), {"i": i, "c": message_content(i)})
            conn.commit()
            dt = time.perf_counter() - t0
            c1 = counter.snapshot()
            if i >= 5:
                times.append(dt)
    r = result(backend, "floor", 1, statistics.median(times) * 1e3,
               statements=c1[0] - c0[0], rows=c1[1] - c0[1],
               note=f"{when} of run: plain one-row INSERT + COMMIT, median of {n}")
    log(f"  {backend.name} floor ({when}): {r['ms_per_commit']:.3f} ms/commit")
    return [r]


def ingest(backend, n, log):
    engine, counter = backend.fresh()
    c0 = counter.snapshot()
    t0 = time.perf_counter()
    s, _thread = build_thread(engine, n, "ingest")
    dt = time.perf_counter() - t0
    c1 = counter.snapshot()
    s.close()
    stored = backend.stored_bytes()
    r = result(backend, "ingest", n, dt * 1e3, total_s=dt, bytes_per=stored / n,
               statements=c1[0] - c0[0], rows=c1[1] - c0[1],
               note=f"{n} messages, one transaction; bytes per message")
    log(f"  {backend.name} ingest {n}: {dt:.2f} s")
    return [r]


# ----------------------------------------------------------------------------
# Output


COLUMNS = [
    ("backend", "backend"),
    ("workload", "workload"),
    ("size", "size"),
    ("ms/commit", "ms_per_commit"),
    ("total s", "total_s"),
    ("bytes/turn", "bytes_per_turn"),
    ("statements/commit", "statements_per_commit"),
    ("rows/commit", "rows_per_commit"),
    ("note", "note"),
]


def fmt(key, v):
    if v is None:
        return "-"
    if key == "ms_per_commit":
        return f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 100 else f"{v:.0f}"
    if key == "total_s":
        return f"{v:.2f}"
    if key == "bytes_per_turn":
        return f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def print_table(rows, out=sys.stdout):
    if not rows:
        return
    cells = [[h for h, _ in COLUMNS]] + [[fmt(k, r[k]) for _, k in COLUMNS] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    right = {"size", "ms_per_commit", "total_s", "bytes_per_turn", "statements_per_commit", "rows_per_commit"}
    for j, c in enumerate(cells):
        line = " | ".join(
            c[i].rjust(widths[i]) if COLUMNS[i][1] in right else c[i].ljust(widths[i])
            for i in range(len(COLUMNS))
        )
        print(line.rstrip(), file=out)
        if j == 0:
            print("-+-".join("-" * w for w in widths), file=out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--turns", type=int, default=2000, help="growth turns (default 2000; 10000 also reported)")
    ap.add_argument("--edit-sizes", default="10,1000,10000,100000", help="comma-separated N for edit")
    ap.add_argument("--ingest-size", type=int, default=10000)
    ap.add_argument("--workloads", default="floor,growth,growth-fresh,edit,ingest",
                    help="comma-separated subset of floor,growth,growth-fresh,edit,ingest")
    ap.add_argument("--backends", default="sqlite,postgres", help="comma-separated subset of sqlite,postgres")
    ap.add_argument("--pg", default=os.environ.get("VERSO_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"),
                    help="PostgreSQL URL (default $VERSO_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/test)")
    ap.add_argument("--pg-schema", default="verso_peer", help="schema dropped and recreated for each workload")
    ap.add_argument("--keep-schema", action="store_true", help="do not drop the PostgreSQL schema at the end")
    ap.add_argument("--json", action="store_true", help="print JSON results instead of tables")
    args = ap.parse_args()

    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    backends_wanted = [b.strip() for b in args.backends.split(",") if b.strip()]
    edit_sizes = [int(x) for x in args.edit_sizes.split(",") if x.strip()]

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    env = {
        "date": date.today().isoformat(),
        "python": platform.python_version(),
        "sqlalchemy": sa.__version__,
        "sqlalchemy_continuum": sqlalchemy_continuum.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
    }
    backends = []
    skipped = []
    if "sqlite" in backends_wanted:
        backends.append(SqliteBackend())
    if "postgres" in backends_wanted:
        try:
            backends.append(PostgresBackend(args.pg, args.pg_schema, args.keep_schema))
        except Exception as e:  # noqa: BLE001
            line = f"SKIPPED PostgreSQL: cannot connect to {args.pg}: {type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
            bar = "!" * min(len(line), 100)
            print(f"{bar}\n{line}\n{bar}", file=sys.stderr, flush=True)
            if not args.json:
                print(f"{bar}\n{line}\n{bar}", flush=True)
            skipped.append({"backend": "postgres", "reason": line})

    results = []
    started = time.perf_counter()
    for b in backends:
        env[b.name] = b.version()
        log(f"== {b.version()}")
        try:
            if "floor" in workloads:
                results += floor(b, log, "start")
            if "growth" in workloads:
                results += growth(b, args.turns, False, log)
            if "growth-fresh" in workloads:
                results += growth(b, args.turns, True, log)
            if "edit" in workloads:
                for n in edit_sizes:
                    results += edit(b, n, log)
            if "ingest" in workloads:
                results += ingest(b, args.ingest_size, log)
            if "floor" in workloads:
                results += floor(b, log, "end")
        finally:
            b.finish()
    env["total_run_s"] = round(time.perf_counter() - started, 1)

    if args.json:
        json.dump({"environment": env, "skipped": skipped, "results": results}, sys.stdout, indent=2)
        print()
        return

    print(f"SQLAlchemy {env['sqlalchemy']} + SQLAlchemy-Continuum {env['sqlalchemy_continuum']}, "
          f"Python {env['python']}, {env['machine']}, {env['date']}")
    for b in backends:
        print(f"  {env[b.name]}")
    order = ["floor", "growth", "growth-fresh", "edit", "edit-by-key", "ingest"]
    for w in order:
        rows = [r for r in results if r["workload"] == w]
        if rows:
            print()
            print_table(rows)
    print(f"\ntotal run time {env['total_run_s']} s")


if __name__ == "__main__":
    main()
