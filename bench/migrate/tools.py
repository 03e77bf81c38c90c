#!/usr/bin/env python3
"""Pieces of bench/migrate-vs-peers that are easier in Python than in bash (standard library only).

  tools.py source-counts SHOP.sqlite              table<TAB>rows for every table but sqlite_* and _fluent_migrations
  tools.py floor-scripts SHOP.sqlite COLUMNS.tsv DIR
        COLUMNS.tsv: table, column, data_type, is_nullable of the prepared target (information_schema).
        Writes DIR/export.sql (sqlite3 CLI: one TSV per table) and DIR/load.sql (mariadb CLI: LOAD DATA LOCAL per table).
  tools.py compare-sql SHOP.sqlite COLUMNS.tsv REFERENCE_DB OTHER_DB [OTHER_COLUMNS.tsv]
        SQL that counts, per column, the values of OTHER_DB that differ from REFERENCE_DB (joined on id).
  tools.py report RESULTS.tsv TOTAL_ROWS RUNS
        The final table and the two ratio lines.
"""
import sqlite3
import statistics
import sys
from collections import OrderedDict

SKIP = ("_fluent_migrations",)
DATETIME_TYPES = ("datetime", "timestamp")


def source_tables(path):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    names = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    tables = OrderedDict()
    for name in names:
        if name in SKIP:
            continue
        cols = [(r[1], (r[2] or "").upper()) for r in con.execute(f'PRAGMA table_info("{name}")')]
        tables[name] = cols
    return con, tables


def target_columns(path):
    cols = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            table, column, data_type, nullable = line.rstrip("\n").split("\t")
            cols.setdefault(table, {})[column] = (data_type.lower(), nullable.upper() == "YES")
    return cols


def q_sqlite(name):
    return '"' + name.replace('"', '""') + '"'


def q_my(name):
    return "`" + name.replace("`", "``") + "`"


def sql_str(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def source_counts(path):
    con, tables = source_tables(path)
    for name in tables:
        print(f"{name}\t{con.execute(f'SELECT count(*) FROM {q_sqlite(name)}').fetchone()[0]}")


def floor_scripts(shop, columns_tsv, out_dir):
    _, tables = source_tables(shop)
    target = target_columns(columns_tsv)
    export = [".bail on", ".headers off", ".mode tabs", ".nullvalue '\\N'"]
    load = ["SET foreign_key_checks=0;"]
    for table, cols in tables.items():
        if table not in target:
            sys.exit(f"floor: table {table} is missing in the prepared target")
        select, load_cols, sets = [], [], []
        for i, (col, decl) in enumerate(cols):
            if col not in target[table]:
                sys.exit(f"floor: column {table}.{col} is missing in the prepared target")
            data_type, nullable = target[table][col]
            if data_type in DATETIME_TYPES and decl in ("REAL", "DOUBLE", "FLOAT", "NUMERIC", ""):
                # Unix seconds stored as REAL by Fluent; %f gives SS.SSS, so only milliseconds survive.
                select.append(f"strftime('%Y-%m-%d %H:%M:%f', {q_sqlite(col)}, 'unixepoch')")
            else:
                select.append(q_sqlite(col))
            if nullable:
                load_cols.append(f"@v{i}")
                sets.append(f"{q_my(col)} = NULLIF(@v{i}, '\\\\N')")
            else:
                load_cols.append(q_my(col))
        tsv = f"{out_dir}/{table}.tsv"
        export.append(f".output {tsv}")
        export.append(f"SELECT {', '.join(select)} FROM {q_sqlite(table)};")
        stmt = (f"LOAD DATA LOCAL INFILE {sql_str(tsv)} INTO TABLE {q_my(table)} CHARACTER SET utf8mb4 "
                f"FIELDS TERMINATED BY '\\t' ESCAPED BY '' LINES TERMINATED BY '\\n' ({', '.join(load_cols)})")
        if sets:
            stmt += " SET " + ", ".join(sets)
        load.append(stmt + ";")
        load.append(f"SELECT {sql_str(table)}, @@warning_count;")
    export.append(".output stdout")
    with open(f"{out_dir}/export.sql", "w", encoding="utf-8") as f:
        f.write("\n".join(export) + "\n")
    with open(f"{out_dir}/load.sql", "w", encoding="utf-8") as f:
        f.write("\n".join(load) + "\n")


def compare_sql(shop, columns_tsv, ref_db, other_db, other_columns_tsv=None):
    """One SELECT per table: table, column, differing values, compared values, max |difference| in µs for datetimes."""
    _, tables = source_tables(shop)
    ref = target_columns(columns_tsv)
    other = target_columns(other_columns_tsv) if other_columns_tsv else ref
    out = ["SET time_zone='+00:00';"]
    for table, cols in tables.items():
        parts = []
        for col, _ in cols:
            if col == "id" or col not in ref.get(table, {}) or col not in other.get(table, {}):
                continue
            rt, ot = ref[table][col][0], other[table][col][0]
            r, o = f"r.{q_my(col)}", f"o.{q_my(col)}"
            if rt in DATETIME_TYPES and ot in DATETIME_TYPES:
                diff = f"NOT ({o} <=> {r})"
                delta = f"MAX(ABS(TIMESTAMPDIFF(MICROSECOND, {r}, {o})))"
            elif rt in DATETIME_TYPES:  # the other side kept Unix seconds as a number
                diff = f"NOT (({o} IS NULL AND {r} IS NULL) OR ABS({o} - UNIX_TIMESTAMP({r})) < 0.0000005)"
                delta = f"ROUND(MAX(ABS({o} - UNIX_TIMESTAMP({r}))) * 1000000)"
            elif rt in ("varchar", "char", "text", "mediumtext", "longtext", "tinytext"):
                diff = f"NOT (BINARY {o} <=> BINARY {r})"
                delta = "NULL"
            else:
                diff = f"NOT ({o} <=> {r})"
                delta = "NULL"
            parts.append(f"SELECT {sql_str(table)}, {sql_str(col)}, COALESCE(SUM({diff}), 0), COUNT(*), {delta} "
                         f"FROM {q_my(ref_db)}.{q_my(table)} r JOIN {q_my(other_db)}.{q_my(table)} o ON o.id = r.id")
        if parts:
            out.append("\nUNION ALL\n".join(parts) + ";")
    print("\n".join(out))


def fmt_secs(s):
    return f"{s:.2f}"


def report(results_tsv, total_rows, runs):
    total_rows, runs = int(total_rows), int(runs)
    by = OrderedDict()
    with open(results_tsv, encoding="utf-8") as f:
        for line in f:
            run, name, secs, rss_kib, finished, counts_ok, copied = line.rstrip("\n").split("\t")[:7]
            by.setdefault(name, []).append(dict(secs=float(secs), rss=int(rss_kib), finished=finished,
                                                counts_ok=counts_ok == "1", copied=int(copied)))
    med = {}
    for name, rs in by.items():
        med[name] = dict(secs=statistics.median(r["secs"] for r in rs),
                         rss=statistics.median(r["rss"] for r in rs) / 1024,
                         finished=all(r["finished"] == "yes" for r in rs),
                         why=next((r["finished"] for r in rs if r["finished"] != "yes"), "yes"),
                         counts_ok=all(r["counts_ok"] for r in rs),
                         copied=rs[-1]["copied"])
    floor = med.get("floor")
    label = "median of %d runs" % runs if runs > 1 else "1 run"
    print(f"migration of {total_rows} rows ({label}; seconds = wall time of the whole tool; rows/s = {total_rows} / seconds)")
    head = f"{'contender':<22} {'seconds':>9} {'rows/s':>9} {'peak MiB':>9} {'finished?':<26} {'rows in target':<22} {'vs floor':>8}"
    print(head)
    print("-" * len(head))
    for name, m in med.items():
        rows_s = f"{total_rows / m['secs']:.0f}" if m["finished"] and m["secs"] > 0 else "-"
        ratio = f"{m['secs'] / floor['secs']:.2f}" if floor and floor["finished"] and floor["secs"] > 0 else "-"
        fin = "yes" if m["finished"] else m["why"]
        counts = f"{m['copied']} {'= source' if m['counts_ok'] else 'MISMATCH'}"
        label_name = {"dbctl": "dbctl (incl. verify)", "peer": "sqlite3mysql 2.6.1", "floor": "floor (sqlite3+LOAD)"}.get(name, name)
        print(f"{label_name:<22} {fmt_secs(m['secs']):>9} {rows_s:>9} {m['rss']:>9.1f} {fin:<26} {counts:<22} {ratio:>8}")
    if any(not m["counts_ok"] for m in med.values()):
        print("! row counts differ from the source for: " + ", ".join(n for n, m in med.items() if not m["counts_ok"]))
    d, p = med.get("dbctl"), med.get("peer")
    print()
    if d and p and p["finished"]:
        print(f"ratio dbctl/peer: {d['secs'] / p['secs']:.3f}")
    elif d and p:
        print(f"ratio dbctl/peer: < {d['secs'] / p['secs']:.3f} (sqlite3mysql did not finish: {p['why'].removeprefix('no (').removesuffix(')')})")
    else:
        print("ratio dbctl/peer: n/a")
    if d and floor and floor["finished"] and floor["secs"] > 0:
        print(f"ratio dbctl/floor: {d['secs'] / floor['secs']:.3f}")
    else:
        print("ratio dbctl/floor: n/a")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"source-counts": source_counts, "floor-scripts": floor_scripts, "compare-sql": compare_sql, "report": report}[cmd](*args)
