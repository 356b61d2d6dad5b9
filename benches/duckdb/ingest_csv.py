"""CSV → Parquet in DuckDB: the one-stop export read and written as one Parquet file, the
way a user would load it. Prints the seconds and the peak memory of the process."""

import json
import sys
import time

import duckdb

job = json.load(open(sys.argv[1]))
started = time.perf_counter()
con = duckdb.connect()
con.execute(f"SET threads TO {job['threads']}")
con.execute(
    f"COPY (SELECT * FROM read_csv({json.dumps(job['csv'])}, header = true)) "
    f"TO {json.dumps(job['parquet'])} (FORMAT parquet)".replace('"', "'")
)
rows = con.execute(f"SELECT count(*) FROM read_parquet('{job['parquet']}')").fetchone()[0]
seconds = time.perf_counter() - started
# this process's own peak (VmHWM starts again at exec; getrusage would count the parent's)
peak = next(
    int(line.split()[1]) / 1024
    for line in open("/proc/self/status")
    if line.startswith("VmHWM:")
)
print(json.dumps({"seconds": seconds, "peak_mib": peak, "rows": rows}))
