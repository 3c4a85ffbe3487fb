"""Exports for scripts and people: transactions and chart data as CSV, Parquet or XLSX; charts as
self-contained HTML, or PNG/SVG/PDF through kaleido and an installed Chromium; a report bundle.

Transactions keep the read model's columns and Plaid's sign (`amount` positive = money out), with
`flow` (income, spending, transfer_internal, transfer_outside) and the matched `transfer_pair_id`, so
every figure can be recomputed from the rows.
Files are written atomically: a partial file never replaces a good one.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, get_args

import duckdb
import pandas as pd

from core.analytics import forecast, ledger
from core.analytics.filters import Filters, ledger_where
from core.errors import FinboardError, path_problem
from core.spreadsheet import spreadsheet_frame, spreadsheet_query, xlsx_bytes
from core.store import Store

Format = Literal["csv", "parquet", "xlsx"]
FORMATS: tuple[Format, ...] = get_args(Format)
ImageFormat = Literal["png", "svg", "pdf"]
IMAGE_FORMATS: tuple[ImageFormat, ...] = get_args(ImageFormat)
MIME = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "html": "text/html",
    "zip": "application/zip",
}
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, minus the header
IMAGE_SIZE = (1200, 600)
NO_CHROMIUM = (
    "Server-side PNG, SVG and PDF need Chromium (Debian/Ubuntu: sudo apt-get install chromium). "
    "The camera button on each chart still downloads PNG or SVG from the browser."
)

SIGN_CONVENTIONS = "Chart data: money in is positive. data/transactions.csv: Plaid's sign (amount > 0 = money out)."
# All time, posted, transfers excluded: the CLI's defaults (the dashboard opens on the last 12 months).
ALL_TIME = Filters(period="all")

TRANSACTIONS_SQL = """
SELECT l.date, l.authorized_date, a.name AS account, l.name, l.merchant_name, l.amount, l.currency, l.pending,
       l.category_primary, l.category_detailed, l.category_source, l.is_transfer, l.flow, l.transfer_pair_id,
       l.payment_channel, l.note,
       l.transaction_id, l.account_id, l.item_id
FROM analytics_ledger l LEFT JOIN accounts a USING (account_id)
WHERE {where}
ORDER BY l.date, l.transaction_id
"""


class ExportError(FinboardError):
    """An export could not be written; the message says why."""


class ImagesUnavailable(ExportError):
    """No Chromium for kaleido: static chart images cannot be made on this machine."""


# -- tables ----------------------------------------------------------------------------------


def table_bytes(frame: pd.DataFrame, fmt: Format, *, sheet: str = "data") -> bytes:
    """A DataFrame as a CSV, Parquet or XLSX file's bytes (text as data, never formulas: core.spreadsheet)."""
    if fmt == "csv":
        return spreadsheet_frame(frame).to_csv(index=False).encode("utf-8")
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)  # read by programs: the bank's text exactly
        return buffer.getvalue()
    if len(frame) > XLSX_MAX_ROWS:
        raise ExportError(f"{len(frame):,} rows do not fit in one Excel sheet; export CSV or Parquet instead.")
    return xlsx_bytes(frame, sheet=sheet)


def transactions_frame(store: Store, filters: Filters, today: date) -> pd.DataFrame:
    with ledger.reading(store) as con:
        where = ledger_where(filters, filters.window(today), rows=True)
        return con.execute(TRANSACTIONS_SQL.format(where=where.sql), where.params).df()


def export_transactions(
    store: Store, fmt: Format, out: Path, filters: Filters = ALL_TIME, today: date | None = None
) -> int:
    """Write the transactions the filters select to `out`; returns how many."""
    today = today or date.today()
    out = out.expanduser().resolve()
    if fmt == "xlsx":
        frame = transactions_frame(store, filters, today)
        with atomic_file(out) as tmp:
            tmp.write_bytes(table_bytes(frame, "xlsx", sheet="transactions"))
        return len(frame)
    where = ledger_where(filters, filters.window(today), rows=True)
    query = TRANSACTIONS_SQL.format(where=where.sql)
    with ledger.reading(store) as con, atomic_file(out) as tmp:
        # COPY streams from DuckDB to the file: a million rows never sit in Python memory.
        if fmt == "csv":
            rows, options = spreadsheet_query(con, query, where.params), "FORMAT csv, HEADER"
        else:
            rows, options = query, "FORMAT parquet"  # read by programs: the bank's text exactly
        con.execute(f"COPY ({rows}) TO '{_sql_string(tmp)}' ({options})", where.params)
        row = con.execute(f"SELECT count(*) FROM ({query})", where.params).fetchone()
    return int(row[0]) if row else 0


def staging_dir(store: Store) -> Path:
    """Where downloads are built before the browser gets them: the data directory (the owner's alone), never a
    shared temporary directory such as /tmp."""
    return store.path.parent


def transactions_bytes(store: Store, fmt: Format, filters: Filters, today: date) -> bytes:
    """The filtered transactions as a file's bytes (for a download button), built through a staged file."""
    path = staging_dir(store) / f".finboard-export-{datetime.now(UTC).timestamp()}.{fmt}"
    try:
        export_transactions(store, fmt, path, filters, today)
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def export_forecast(store: Store, fmt: Format, out: Path, filters: Filters, today: date, days: int) -> int:
    """Write the cash forecast for `days` days (one row per account and day, then per currency total)."""
    with ledger.reading(store) as con:
        frame = forecast.forecast(con, today, filters, days)
    with atomic_file(out.expanduser().resolve()) as tmp:
        tmp.write_bytes(table_bytes(frame, fmt, sheet="forecast"))
    return len(frame)


# -- charts ----------------------------------------------------------------------------------


def chromium_path() -> str | None:
    """The Chromium kaleido would drive, or None (BROWSER_PATH, PATH, then the usual places)."""
    from choreographer.browsers.chromium import Chromium

    found: str | None = Chromium.find_browser(skip_local=False)
    return found


def figure_image(fig: Any, fmt: ImageFormat, *, size: tuple[int, int] = IMAGE_SIZE) -> bytes:
    """A Plotly figure as PNG, SVG or PDF bytes, rendered by kaleido in Chromium."""
    if chromium_path() is None:
        raise ImagesUnavailable(NO_CHROMIUM)
    try:
        with warnings.catch_warnings():  # "kopts ignored if using a server": we mean to use it
            warnings.simplefilter("ignore", UserWarning)
            data: bytes = fig.to_image(format=fmt, width=size[0], height=size[1], scale=2 if fmt == "png" else 1)
    except Exception as e:  # kaleido raises several types when the browser fails to start
        raise ImagesUnavailable(f"Chromium could not render the chart ({type(e).__name__}). {NO_CHROMIUM}") from e
    return data


def figure_html(fig: Any, title: str, *, plotly_js: str | None = None) -> bytes:
    """An HTML page with the chart that opens offline: plotly.js inlined, or read from the file `plotly_js` beside
    it (the report bundle ships one copy for every chart). Never from a CDN: Finboard makes no third-party
    requests."""
    html: str = fig.to_html(
        full_html=True, include_plotlyjs=plotly_js if plotly_js else True, config={"displaylogo": False}
    )
    return html.replace("<head>", f"<head><title>{_escape(title)}</title>", 1).encode("utf-8")


@contextmanager
def image_session() -> Iterator[None]:
    """Keep one Chromium running for a batch of images (about 0.2 s each instead of 2.5 s)."""
    import kaleido

    if chromium_path() is None:
        yield
        return
    kaleido.start_sync_server(silence_warnings=True)
    try:
        yield
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


# -- report bundle ---------------------------------------------------------------------------


PLOTLY_JS = "plotly.min.js"  # the bundle's one copy of plotly.js, beside the charts' HTML pages


@dataclass(frozen=True)
class ReportChart:
    """One chart of a report: its figure (None for a data set) and the data behind it."""

    name: str
    title: str
    figure: Any  # plotly.graph_objects.Figure, titled and captioned, or None
    data: pd.DataFrame


def write_bundle(
    out: Path,
    charts: Sequence[ReportChart],
    transactions_csv: Path,
    manifest: dict[str, object],
    *,
    images: bool = True,
) -> list[str]:
    """A zip with charts/NAME.html (+ .png) for each chart with a figure, charts/plotly.min.js (once, for every
    HTML page), data/NAME.csv for each chart and data set, data/transactions.csv (copied from `transactions_csv`)
    and manifest.json. PNGs are left out, with a note in the manifest, when no Chromium is available. Returns
    the names of the files written."""
    notes: list[str] = []
    files: list[str] = []
    with atomic_file(out.expanduser().resolve()) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        render = images and chromium_path() is not None
        if images and not render:
            notes.append(NO_CHROMIUM)
        with image_session() if render else _nothing():
            if any(chart.figure is not None for chart in charts):
                zf.writestr(f"charts/{PLOTLY_JS}", _plotly_js())
                files.append(f"charts/{PLOTLY_JS}")
            for chart in charts:
                if chart.figure is not None:
                    zf.writestr(
                        f"charts/{chart.name}.html", figure_html(chart.figure, chart.title, plotly_js=PLOTLY_JS)
                    )
                    files.append(f"charts/{chart.name}.html")
                if chart.figure is not None and render:
                    zf.writestr(f"charts/{chart.name}.png", figure_image(chart.figure, "png"))
                    files.append(f"charts/{chart.name}.png")
                zf.writestr(f"data/{chart.name}.csv", table_bytes(chart.data, "csv"))
                files.append(f"data/{chart.name}.csv")
        zf.write(transactions_csv, "data/transactions.csv")
        files.append("data/transactions.csv")
        full = {
            **manifest,
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "charts": [
                {"name": c.name, "title": c.title, "rows": len(c.data), "figure": c.figure is not None} for c in charts
            ],
            "conventions": SIGN_CONVENTIONS,
            "notes": notes,
            "files": [*files, "manifest.json"],
        }
        zf.writestr("manifest.json", json.dumps(full, indent=2, default=str))
    return [*files, "manifest.json"]


# -- helpers ---------------------------------------------------------------------------------


@contextmanager
def atomic_file(out: Path) -> Iterator[Path]:
    """A temporary file beside `out` that replaces it once complete; a file that cannot be written is an
    ExportError naming the path and the reason (a missing parent directory is created)."""
    if out.is_dir():
        raise ExportError(f"{out} is a directory: give a file name inside it, e.g. {out / 'export.csv'}.")
    tmp = out.with_name(f".{out.name}.partial")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        tmp.replace(out)
    except OSError as e:
        raise _cannot_write(out, e.strerror or str(e)) from None
    except duckdb.IOException as e:
        if str(tmp) not in str(e):  # DuckDB failed to read the database, not to write the file
            raise
        raise _cannot_write(out, str(e).splitlines()[0].rsplit(": ", 1)[-1]) from None
    finally:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)


def _cannot_write(out: Path, reason: str) -> ExportError:
    return ExportError(
        f"Cannot write {out}: {path_problem(out, reason)}. Choose a file in a directory you can write to."
    )


def _plotly_js() -> str:
    """The plotly.js that Plotly for Python ships (the version its figures are written for)."""
    from plotly.offline import get_plotlyjs

    js: str = get_plotlyjs()
    return js


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _sql_string(path: Path) -> str:
    return str(path).replace("'", "''")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
