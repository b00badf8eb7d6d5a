"""A 10⁷-row file is read in bounded memory: a separate process reads it, and its peak
resident memory above that of reading a tiny file stays within the coded table (27 bytes
a row here) plus a fixed allowance — far below what holding the file's cells as Arrow
strings would take (about 40 bytes a row more). No timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys

from support import ROOT

ROWS = 10_000_000
#: Memory a read may take beyond the coded table: the few blocks the CSV reader reads
#: ahead (1 MB each), a batch being coded, Arrow's pool.
ALLOWANCE = 96 * 2 ** 20

SPEC = """persona smb share=70% baseline=7
persona ent share=30% baseline=8
stage Attract advance=60%
stage Convert advance=50%
stage Delight
survey nps at Delight
survey demo at Convert
event glitch p=10% impact=-3 at Convert
event wow p=40% impact=1 at Delight
"""

GENERATE = """
import sys, numpy as np, pyarrow as pa, pyarrow.csv as pacsv
path, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
k = min(n, 100_000)
t = pa.table({
    "persona": np.where(rng.random(k) < 0.7, "smb", "ent"),
    "reached": np.array(["Attract", "Convert", "Delight"])[rng.integers(0, 3, k)],
    "glitch": rng.integers(0, 2, k).astype(np.int8),
    "wow": rng.integers(0, 2, k).astype(np.int8),
    "nps": pa.array(rng.integers(0, 11, k), mask=rng.random(k) < 0.3),
    "demo": rng.integers(0, 11, k),
    "comment": np.array(["fine", "slow demo", "great onboarding"])[rng.integers(0, 3, k)]})
with pacsv.CSVWriter(path, t.schema,
                     write_options=pacsv.WriteOptions(quoting_style="none")) as w:
    for _ in range(n // k):
        w.write_table(t)
"""

READ = """
import json, resource, sys
from cxdsl.data.read import read_table
from cxdsl.lang.api import check_text
model = check_text(sys.argv[2], "spec.cxj").model
t = read_table(sys.argv[1], model)
coded = sum(getattr(t, f).nbytes for f in
            ("persona", "reached", "happened", "answer", "row", "inconsistent"))
print(json.dumps({"rows": t.rows, "coded": coded,
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def _run(code: str, *args) -> str:
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return out.stdout


def _read(path) -> dict:
    return json.loads(_run(READ, path, SPEC))


def test_a_ten_million_row_read_stays_within_the_coded_table(tmp_path):
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    _run(GENERATE, small, 1_000)
    _run(GENERATE, big, ROWS)
    base = _read(small)
    got = _read(big)
    big.unlink()
    assert got["rows"] == ROWS
    assert got["coded"] == 27 * ROWS
    assert got["peak"] - base["peak"] <= got["coded"] + ALLOWANCE, got
