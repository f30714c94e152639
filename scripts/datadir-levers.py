#!/usr/bin/env python3
"""datadir-levers.py SRC WORK LEVER... measures what a Cloison SQLite database
would weigh if its rows were stored another way, without changing Cloison.

It rebuilds SRC (a seeded cloison.db; it is only read) into WORK/levers.db
table by table, indexes built after the rows as SRC's were, applies each
LEVER named, and prints the size of every B-tree (SQLite's dbstat) and the
bytes per case file. Issue 16's data-directory target is judged against
these figures (README, "What each lever weighs").

Levers (any of them, in any order; none rebuilds SRC as it is):
  ids    every UUID as a 16-byte blob instead of 36 characters of text
  times  every time as integer microseconds instead of 29 characters of text
  lists  the scope admins' date indexes and the editors' grants_list keyed
         by date and id only, and the grants without their copy of the case
         file's list columns (the lists would read each row by id)
  audit  the audit chain's hashes as 32-byte blobs, the previous hash not
         stored (read from the entry before)
  fts    the full-text index without its own copy of the text (an
         external-content index); its other tables are counted as in SRC

Python's own sqlite3 module is enough (dbstat is compiled into Debian's).
"""
import datetime
import os
import re
import sqlite3
import sys

LEVERS = {"ids", "times", "lists", "audit", "fts"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIME = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)$")


def main():
    if len(sys.argv) < 3 or not set(sys.argv[3:]) <= LEVERS:
        sys.exit(__doc__)
    src, work, levers = sys.argv[1], sys.argv[2], set(sys.argv[3:])
    os.makedirs(work, exist_ok=True)
    dst = os.path.join(work, "levers.db")
    if os.path.exists(dst):
        os.remove(dst)

    def value(v):
        if isinstance(v, str):
            if "ids" in levers and UUID.match(v):
                return bytes.fromhex(v.replace("-", ""))
            if "times" in levers and TIME.match(v):
                t = datetime.datetime.fromisoformat(v.replace("Z", "+00:00").replace(" ", "T"))
                return int(t.timestamp() * 1_000_000)
        return v

    s = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    d = sqlite3.connect(dst)
    d.execute("PRAGMA journal_mode = OFF")
    d.execute("PRAGMA synchronous = OFF")
    fts = {n for (n,) in s.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'")}
    tables = [(n, q) for n, q in s.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
              if n not in fts and not any(n.startswith(f + "_") for f in fts)]
    for name, sql in tables:
        d.execute(sql)
        cols = [r[1] for r in s.execute(f'PRAGMA table_info("{name}")')]
        drop = set()
        if "lists" in levers and name == "grants":
            drop = {c for c in cols if c.startswith("case_") and c not in ("case_id", "case_updated_at", "case_unit_id", "case_rowid")}
        rows = s.execute(f'SELECT * FROM "{name}"')
        marks = ",".join("?" * len(cols))
        while batch := rows.fetchmany(10000):
            out = []
            for r in batch:
                r = [None if c in drop else value(v) for c, v in zip(cols, r)]
                if "audit" in levers and name == "audit_entries":
                    r[cols.index("hash")] = bytes.fromhex(r[cols.index("hash")])
                    r[cols.index("prev_hash")] = b""
                out.append(r)
            d.executemany(f'INSERT INTO "{name}" VALUES ({marks})', out)
        d.commit()
    narrow = {
        "cases_org_updated": "CREATE INDEX cases_org_updated ON cases (org_id, updated_at, id)",
        "cases_unit_updated": "CREATE INDEX cases_unit_updated ON cases (unit_id, updated_at, id)",
        "grants_list": "CREATE INDEX grants_list ON grants (account_id, case_updated_at, case_id, kind, starts_at, ends_at, revoked_at) WHERE revoked_at IS NULL",
    }
    for name, sql in s.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"):
        d.execute(narrow[name] if "lists" in levers and name in narrow else sql)
    d.commit()

    sizes = dict(d.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
    for name, size in s.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
        if any(name == f or name.startswith(f + "_") for f in fts) and not ("fts" in levers and name.endswith("_content")):
            sizes[name] = size
    (cases,) = s.execute("SELECT count(*) FROM cases").fetchone()
    total = sum(sizes.values())
    print(f"levers: {' '.join(sorted(levers)) or 'none'}; {cases} case files")
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:25]:
        print(f"{name:32} {size / 2**20:8.1f} MiB")
    print(f"{'all':32} {total / 2**20:8.1f} MiB, {total / cases:,.0f} bytes per case file")


if __name__ == "__main__":
    main()
