"""Export benchmark (issue 12, item 2): what the spreadsheet rule costs; prints one JSON object.

A synthetic world of --transactions transactions (tests/worlds.big_world, generated in DuckDB) is exported
with the CLI's code path (`core.export.export_transactions`, all time, everything included):

- csv_seconds: CSV through DuckDB COPY with the rule applied in SQL to the text columns (what Finboard does);
  plain_copy_seconds: the same COPY without the rule, for the ratio. Both stream from DuckDB to the file.
- parquet_seconds: Parquet (no rule: the bank's text exactly).
- xlsx_seconds and xlsx_rows: XLSX of the first --xlsx-rows transactions (openpyxl, every text cell typed as
  text); pandas_xlsx_seconds: the same frame through pandas' own openpyxl writer, as before the rule.

Run: .venv/bin/python tests/perf/bench_exports.py [--transactions 1000000] [--xlsx-rows 50000]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from core import export  # noqa: E402
from core.analytics import ledger  # noqa: E402
from core.analytics.filters import Filters, ledger_where  # noqa: E402
from core.spreadsheet import xlsx_bytes  # noqa: E402
from core.store import Store  # noqa: E402
from tests.worlds import big_world  # noqa: E402

EVERYTHING = Filters(period="all", include_pending=True, include_transfers=True)


def timed(action):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=50_000)
    args = parser.parse_args()
    today = date.today()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        world_seconds, _ = timed(lambda: big_world(store, args.transactions, today=today))
        ledger.refresh(store)
        out = Path(tmp)
        csv_seconds, rows = timed(lambda: export.export_transactions(store, "csv", out / "t.csv", EVERYTHING, today))

        def plain_copy() -> None:
            where = ledger_where(EVERYTHING, EVERYTHING.window(today), rows=True)
            query = export.TRANSACTIONS_SQL.format(where=where.sql)
            with ledger.reading(store) as con:
                con.execute(f"COPY ({query}) TO '{out / 'plain.csv'}' (FORMAT csv, HEADER)", where.params)

        plain_seconds, _ = timed(plain_copy)
        parquet_seconds, _ = timed(
            lambda: export.export_transactions(store, "parquet", out / "t.parquet", EVERYTHING, today)
        )
        where = ledger_where(EVERYTHING, EVERYTHING.window(today), rows=True)
        with ledger.reading(store) as con:
            sql = f"{export.TRANSACTIONS_SQL.format(where=where.sql)} LIMIT {int(args.xlsx_rows)}"
            frame = con.execute(sql, where.params).df()
        xlsx_seconds, _ = timed(lambda: xlsx_bytes(frame, sheet="transactions"))

        def pandas_xlsx() -> None:
            with pd.ExcelWriter(io.BytesIO(), engine="openpyxl") as writer:
                frame.to_excel(writer, index=False, sheet_name="transactions")

        pandas_seconds, _ = timed(pandas_xlsx)
    print(
        json.dumps(
            {
                "transactions": rows,
                "world_seconds": round(world_seconds, 2),
                "csv_seconds": round(csv_seconds, 2),
                "plain_copy_seconds": round(plain_seconds, 2),
                "parquet_seconds": round(parquet_seconds, 2),
                "xlsx_rows": len(frame),
                "xlsx_seconds": round(xlsx_seconds, 2),
                "pandas_xlsx_seconds": round(pandas_seconds, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
