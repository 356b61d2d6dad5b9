"""The indicator table in DuckDB: each measure's numerator and denominator for every month,
for the ward and per khu phố, from the Parquet files of the lake's current snapshot.

The job (JSON) gives the files of each table, the catalogue's views, the windows and one query
per measure; this prints the seconds from connecting to the last result, the peak memory of
the process and every result row."""

import json
import sys
import time

import duckdb

job = json.load(open(sys.argv[1]))
started = time.perf_counter()
con = duckdb.connect()
con.execute(f"SET threads TO {job['threads']}")
# DataFusion's to_date(text) as the catalogue uses it
con.execute("CREATE MACRO to_date(s) AS CAST(s AS DATE)")
for name, files in job["tables"].items():
    con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({json.dumps(files)})")
for v in job["views"]:
    try:
        con.execute(f"CREATE VIEW {v['name']} AS {v['sql']}")
    except duckdb.Error as e:
        sys.exit(f"view {v['name']} over {sorted(job['tables'])}: {e}")
con.execute(
    "CREATE TABLE windows (rule VARCHAR, period VARCHAR, w_start TIMESTAMPTZ, "
    "w_end TIMESTAMPTZ, w_first DATE, w_last DATE)"
)
con.executemany("INSERT INTO windows VALUES (?, ?, ?, ?, ?, ?)", job["windows"])
results = {}
for q in job["queries"]:
    results[q["id"]] = [list(r) for r in con.execute(q["sql"]).fetchall()]
seconds = time.perf_counter() - started
# this process's own peak (VmHWM starts again at exec; getrusage would count the parent's)
peak = next(
    int(line.split()[1]) / 1024
    for line in open("/proc/self/status")
    if line.startswith("VmHWM:")
)
print(json.dumps({"seconds": seconds, "peak_mib": peak, "results": results}, default=str))
