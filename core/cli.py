"""The `finboard` command. Output never contains an access token, a secret or a full account number."""

from __future__ import annotations

import argparse
import dataclasses
import errno
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

from core.config import PRIVATE_UMASK, check_host, load_settings
from core.errors import ConfigError, FinboardError, path_problem
from core.text import configure_logging, printable

if TYPE_CHECKING:
    from core.analytics.filters import Filters
    from core.store import Store
    from core.sync import SyncProgress
    from core.workspace import Workspace

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
FIGURE_SUFFIXES = ("png", "svg", "pdf", "html")


class ExportChoices:
    """`finboard export`'s WHAT: transactions, bundle and every chart and data set of core.charts.registry. The
    registry is read when `export` needs it, so the other commands start without importing pandas or Plotly."""

    def names(self) -> list[str]:
        from core.charts.registry import CHARTS

        return ["transactions", *CHARTS, "bundle"]

    def __contains__(self, name: object) -> bool:
        return name in self.names()

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())


def main(argv: Sequence[str] | None = None) -> int:
    os.umask(PRIVATE_UMASK)  # first thing; inherited by the processes Finboard starts (the Streamlit server)
    parser = _parser()
    args = parser.parse_args(argv)
    configure_logging(os.environ.get("FINBOARD_LOG_LEVEL", "WARNING"))  # log lines without control characters
    command: Callable[[argparse.Namespace], int] = args.command
    try:
        return command(args)
    except ConfigError as e:
        print(f"finboard: configuration problem: {e}", file=sys.stderr)
        return EXIT_USAGE
    except FinboardError as e:
        print(f"finboard: {e}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except OSError as e:  # a file or directory Finboard needs cannot be used: say which, and what to check
        if os.environ.get("FINBOARD_DEBUG"):
            raise
        if not e.filename:  # not about a path (a socket, say): say what the system said
            print(f"finboard: {e.strerror or e}. Run again with FINBOARD_DEBUG=1 to see where.", file=sys.stderr)
            return EXIT_FAILED
        reason = path_problem(Path(e.filename), e.strerror or str(e))
        print(
            f"finboard: cannot use {e.filename}: {reason}. Check that its directory exists and that you may write "
            "there (FINBOARD_DB sets where the database and its key live).",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except Exception as e:  # the last line of defence: a person never sees a stack trace
        if os.environ.get("FINBOARD_DEBUG"):
            raise
        print(
            f"finboard: unexpected {type(e).__name__}. Nothing else was changed. "
            "Run again with FINBOARD_DEBUG=1 to see the details, and report them.",
            file=sys.stderr,
        )
        return EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="finboard", description="Local-first finance dashboard for Plaid data.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="start the dashboard (offline mode runs the built-in Plaid emulator)")
    p.add_argument("--port", type=port_number, default=8501, help="dashboard port (default 8501)")
    p.add_argument(
        "--host",
        type=listening_address,
        default=None,
        metavar="ADDR",
        help="listen on ADDR instead of 127.0.0.1 (default: FINBOARD_HOST); any other address needs "
        "FINBOARD_PASSWORD and Plaid keys",
    )
    p.set_defaults(command=cmd_run)

    p = sub.add_parser("emulator", help="run the offline Plaid emulator on its own")
    p.add_argument("--port", type=port_number, default=8765)
    p.add_argument("--seed", type=int, default=0, help="same seed, same world")
    p.add_argument("--transactions", type=int, default=None, help="history size per new item (big worlds)")
    p.add_argument("--state", type=Path, default=None, help="JSON file that keeps items across restarts")
    p.add_argument("--client-id", default=None, metavar="ID", help="accept only this client id (with --secret)")
    p.add_argument("--secret", default=None, metavar="S", help="accept only this secret (others: INVALID_API_KEYS)")
    p.set_defaults(command=cmd_emulator)

    p = sub.add_parser("connect-sandbox", help="create an item without a browser (sandbox/emulator only)")
    p.add_argument("--institution", required=True, help="e.g. ins_109508 (First Platypus Bank)")
    p.add_argument("--username", default=None, help="sandbox user (default user_good)")
    p.add_argument("--password", default=None, help="sandbox password (default pass_good)")
    p.set_defaults(command=cmd_connect_sandbox)

    p = sub.add_parser("sync", help="fetch new transactions for every item (or one)")
    p.add_argument("--item", default=None, metavar="ITEM_ID")
    p.add_argument(
        "--no-wait", action="store_true", help="skip an item whose sync is already running instead of waiting for it"
    )
    p.set_defaults(command=cmd_sync)

    p = sub.add_parser("items", help="list connected items and their health")
    p.set_defaults(command=cmd_items)

    p = sub.add_parser("remove", help="disconnect an item at Plaid and delete its local data")
    p.add_argument("item_id", metavar="ITEM_ID")
    p.set_defaults(command=cmd_remove)

    p = sub.add_parser(
        "export",
        help="write transactions, a chart's data or a report bundle to a file, with the dashboard's filters",
        description="Filters work as in the dashboard, except that the period defaults to all time.",
    )
    what_help = (
        "one of %(choices)s. transactions: every transaction the filters select; summary: income, spending, net "
        "and outside transfers per currency against the previous period; recurring: one row per stream; bundle: "
        "every chart and its data in a zip; any other: a chart's data (or, with --format png, svg, pdf or html, "
        "the chart with its title and caption)"
    )
    p.add_argument("what", choices=ExportChoices(), metavar="WHAT", help=what_help)
    p.add_argument("--out", type=Path, required=True, metavar="PATH")
    p.add_argument(
        "--format",
        choices=["csv", "parquet", "xlsx", *FIGURE_SUFFIXES],
        default=None,
        help="default: from the file name's extension, else csv (not for bundle); a chart also as png, svg, pdf "
        "(needs Chromium) or html, with its title and a caption",
    )
    p.add_argument(
        "--interval",
        choices=["day", "week", "month", "quarter", "year"],
        default="month",
        help="period length for the data over time (default month)",
    )
    # `transactions` is for scripts: everything unless told otherwise. Chart data follows the dashboard's defaults.
    _filter_arguments(p, everything_help="default: on for transactions, off for chart data")
    p.add_argument("--no-images", action="store_true", help="bundle: leave out the PNGs (no Chromium needed)")
    p.add_argument("--days", type=int, choices=[30, 60, 90], default=None, help="forecast: how far ahead (default 30)")
    p.set_defaults(command=cmd_export)

    p = sub.add_parser(
        "sql",
        help="query a read-only copy of the read model in SQL (works while the dashboard runs)",
        description="Runs SQL on a private, locked-down copy of the read model: items, accounts, transactions, "
        "balance_history, and filtered_transactions (the transactions the filter options select: all of them by "
        "default). With no query, opens a prompt. See docs/sql.md.",
    )
    p.add_argument("query", nargs="?", default=None, metavar="SQL", help="one or more statements; the last one's "
                   "rows are printed")  # fmt: skip
    p.add_argument("--file", type=Path, default=None, metavar="FILE", help="read the SQL from FILE (- for stdin)")
    p.add_argument(
        "--format",
        choices=["table", "csv", "json", "parquet", "xlsx"],
        default=None,
        help="default: from --out's extension, else an aligned table",
    )
    p.add_argument("--out", type=Path, default=None, metavar="PATH", help="write the result to PATH")
    p.add_argument(
        "--time-limit",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop a query after this long (default: FINBOARD_SQL_TIME_LIMIT, else 20)",
    )
    _filter_arguments(p, everything_help="filtered_transactions includes pending ones unless --no-include-pending")
    p.set_defaults(command=cmd_sql, what="sql")

    p = sub.add_parser(
        "check",
        help="check that the transactions explain every change between balances the bank reported",
        description="For each checking, savings and credit account: every change between two consecutive "
        "balances the bank reported must equal the posted transactions between them. Exit 0 when all reconcile "
        "(or there is nothing to check yet), 1 when any account does not.",
    )
    p.set_defaults(command=cmd_check)

    p = sub.add_parser("webhooks", help="receive Plaid webhooks on POST /plaid/webhook (`run` starts it too)")
    p.add_argument("--port", type=port_number, default=None, help="default: FINBOARD_WEBHOOK_PORT, else 8599")
    p.set_defaults(command=cmd_webhooks)

    p = sub.add_parser("rotate-key", help="re-encrypt every stored token under a new key")
    p.set_defaults(command=cmd_rotate_key)
    return parser


def _filter_arguments(p: argparse.ArgumentParser, *, everything_help: str) -> None:
    """The dashboard's sidebar filters as options (`export` and `sql`); the period defaults to all time."""
    p.add_argument(
        "--period",
        default=None,
        help="this_month, last_month, last_30_days, last_90_days, "
        "last_12_months, year_to_date, last_year or all (default all)",
    )
    p.add_argument("--from", dest="start", default=None, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", default=None, metavar="YYYY-MM-DD")
    p.add_argument("--account", action="append", default=[], metavar="ACCOUNT_ID", help="repeatable")
    p.add_argument("--category", action="append", default=[], metavar="CODE", help="primary or detailed; repeatable")
    p.add_argument("--merchant", default=None, metavar="TEXT", help="merchant or name contains TEXT")
    p.add_argument("--min", dest="min_amount", default=None, metavar="AMOUNT", help="smallest amount (in or out)")
    p.add_argument("--max", dest="max_amount", default=None, metavar="AMOUNT", help="largest amount (in or out)")
    p.add_argument("--currency", default=None, help="ISO code (bundle default: the most used currency)")
    p.add_argument("--include-pending", action=argparse.BooleanOptionalAction, default=None, help=everything_help)
    p.add_argument(
        "--include-transfers",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="list transfers (between own accounts and to or from outside) among the rows; default as "
        "--include-pending; the summary ignores it (outside transfers have their own columns)",
    )


def port_number(raw: str) -> int:
    """--port: a TCP port, 1-65535."""
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a port number; use one from 1 to 65535, e.g. 8502")
    return port


def port_problem(port: int, error: int, retry: str) -> str:
    """One line for a port that cannot be listened on, naming the fix."""
    if error == errno.EACCES:
        return f"Port {port} needs administrator rights. Pick one above 1023: `{retry} {max(port, 1023) + 1}`."
    return f"Port {port} is already in use (another Finboard?). Stop it, or pick another: `{retry} {port + 1}`."


def listening_address(raw: str) -> str:
    """--host: an IP address of this machine (0.0.0.0 or :: for every interface)."""
    try:
        return check_host("--host", raw)
    except ConfigError as e:
        raise argparse.ArgumentTypeError(str(e).removeprefix("--host=")) from None


def _workspace() -> Workspace:
    from core.workspace import Workspace  # imported on use: it brings plaid-python, which `finboard sql` never needs

    return Workspace(load_settings())


def _stop_on_signals() -> None:
    """Ctrl-C (SIGINT) and `kill` (SIGTERM) stop a long-running command through its KeyboardInterrupt path.

    Set explicitly: a process started in the background by a non-interactive shell inherits SIGINT as
    ignored, and Python then never raises KeyboardInterrupt.
    """

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)  # `finboard run` tells Ctrl-C from `kill` by it

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def cmd_run(args: argparse.Namespace) -> int:
    from core.launcher import run_dashboard

    _stop_on_signals()
    settings = load_settings()  # fail fast with a clear message before starting the server
    if args.host:
        settings = dataclasses.replace(settings, host=args.host)
    return int(run_dashboard(settings, port=args.port))


def cmd_emulator(args: argparse.Namespace) -> int:
    from core.emulator import serve

    if (args.client_id is None) != (args.secret is None):
        raise FinboardError("Give both --client-id and --secret (or neither: then any keys are accepted).")
    _stop_on_signals()
    credentials = (args.client_id, args.secret) if args.client_id is not None else None
    try:
        serve("127.0.0.1", args.port, args.seed, args.transactions, args.state, credentials)
    except OSError as e:
        if e.errno not in (errno.EADDRINUSE, errno.EACCES):
            raise
        raise FinboardError(port_problem(args.port, e.errno, "finboard emulator --port")) from None
    return EXIT_OK


def cmd_connect_sandbox(args: argparse.Namespace) -> int:
    from core.items import connect_sandbox

    ws = _workspace()
    print(printable(connect_sandbox(ws, args.institution, username=args.username, password=args.password)))
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    from core.items import get_item
    from core.sync import sync_items

    ws = _workspace()
    ids = None
    if args.item:
        get_item(ws, args.item)  # a clear error for an unknown id
        ids = [args.item]
    printer = SyncProgressPrinter(sys.stderr)
    results = sync_items(ws, ids, progress=printer, wait=not args.no_wait)
    printer.finish()
    if not results:
        print("No items to sync. Connect one with `finboard connect-sandbox` or the dashboard.", file=sys.stderr)
    for r in results:  # bank text is printed without control characters: it cannot redraw the terminal
        name = printable(f"{r.institution} ({r.item_id})")
        if r.skipped:
            print(f"{name}: {printable(r.message)}")
        elif r.ok:
            print(f"{name}: {r.added:,} added, {r.modified:,} modified, {r.removed:,} removed")
        else:
            print(f"{name}: FAILED: {printable(r.error)}", file=sys.stderr)
        for note in r.notes:
            print(f"{name}: note: {printable(note)}", file=sys.stderr)
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


SYNC_PHASE_TEXT = {
    "waiting": "waiting for another sync of it to finish",
    "fetching": "reading from the bank",
    "applying": "saving",
    "done": "done",
    "failed": "failed",
    "skipped": "skipped (already syncing)",
}


class SyncProgressPrinter:
    """Sync progress on stderr: one redrawn bar on a terminal, plain lines per phase otherwise."""

    BAR = 20

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._last: tuple[str, str] | None = None
        self._drawn = False

    def __call__(self, p: SyncProgress) -> None:
        what = SYNC_PHASE_TEXT.get(p.phase, p.phase)
        institution = printable(p.institution)
        counts = f"{p.pages:,} pages, {p.transactions:,} changes" if p.pages else ""
        if self.tty:
            done = p.item_index - (0 if p.done else 1)
            filled = self.BAR * done // max(p.item_count, 1)
            bar = "#" * filled + "-" * (self.BAR - filled)
            line = f"[{bar}] {p.item_index}/{p.item_count} {institution}: {what}{', ' + counts if counts else ''}"
            self.stream.write("\r\x1b[K" + line)
            self._drawn = True
        elif self._last != (p.item_id, p.phase):  # a log gets one line per phase, not one per page
            suffix = f" ({counts})" if counts and p.phase != "fetching" else ""
            self.stream.write(f"[{p.item_index}/{p.item_count}] {institution}: {what}{suffix}\n")
        self._last = (p.item_id, p.phase)
        self.stream.flush()

    def finish(self) -> None:
        """Clear the bar so the per-item summary starts on a clean line."""
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def cmd_items(args: argparse.Namespace) -> int:
    from core.connections import list_connections

    ws = _workspace()
    connections = list_connections(ws)
    if not connections:
        print("No items yet. Connect one with `finboard connect-sandbox --institution ins_109508` or the dashboard.")
        return EXIT_OK
    print(f"{'ITEM_ID':<40} {'INSTITUTION':<24} {'STATUS':<18} {'TRANSACTIONS':>12}  LAST SYNC (UTC)")
    for c in connections:
        item = c.item
        last = item.last_synced_at.strftime("%Y-%m-%d %H:%M") if item.last_synced_at else "never"
        label, status = printable(item.label)[:24], printable(item.status)
        print(f"{printable(item.item_id):<40} {label:<24} {status:<18} {c.transactions:>12,}  {last}")
        if item.error_message and item.status != "healthy":
            print(f"{'':<40} {printable(item.error_message)}")
        elif c.history_loading:
            print(f"{'':<40} Plaid is still gathering older history; a later sync brings it.")
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    from core.items import get_item, remove_item

    ws = _workspace()
    item = get_item(ws, args.item_id)
    remove_item(ws, args.item_id)
    print(f"Removed {printable(item.label)} ({item.item_id}) and its local data.")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from datetime import date

    from core import export, report

    if args.out.is_dir():
        example = args.out / ("report.zip" if args.what == "bundle" else f"{args.what}.{args.format or 'csv'}")
        print(f"finboard: --out {args.out} is a directory; give a file name, e.g. --out {example}", file=sys.stderr)
        return EXIT_USAGE
    ws = _workspace()
    today = date.today()
    filters = _export_filters(ws.store, args)
    if filters is None:
        return EXIT_USAGE
    scope = _describe_scope(filters)
    if args.what == "bundle":
        files = report.write_report(
            ws.store, filters, today, args.out, interval=args.interval, images=not args.no_images
        )
        print(f"Wrote {args.out} ({len(files)} files; {scope})")
        if not args.no_images and export.chromium_path() is None:
            print(f"finboard: no PNGs in the bundle: {export.NO_CHROMIUM}", file=sys.stderr)
        return EXIT_OK
    fmt = _export_format(args)
    if args.days is not None and (args.what != "forecast" or fmt in FIGURE_SUFFIXES):
        print("finboard: --days applies to `export forecast` only, as CSV, Parquet or XLSX.", file=sys.stderr)
        return EXIT_USAGE
    if fmt in FIGURE_SUFFIXES:
        if args.what == "transactions" or not report.chart(args.what).draw:
            print(f"finboard: {args.what} is data: export it as csv, parquet or xlsx.", file=sys.stderr)
            return EXIT_USAGE
        count = report.export_figure(ws.store, args.what, fmt, args.out, filters, today, args.interval)
        print(f"Wrote the {args.what} chart ({count:,} rows) to {args.out} ({scope})")
        return EXIT_OK
    table = cast(export.Format, fmt)
    if args.what == "forecast":
        count = export.export_forecast(ws.store, table, args.out, filters, today, args.days or 30)
        print(f"Wrote {count:,} rows of the {args.days or 30}-day forecast to {args.out} ({_describe_now(filters)})")
        return EXIT_OK
    if args.what == "recurring":
        count = report.export_dataset(ws.store, "recurring", table, args.out, filters, today, args.interval)
        print(f"Wrote {count:,} recurring streams to {args.out} ({_describe_now(filters)})")
        return EXIT_OK
    if args.what == "transactions":
        count = export.export_transactions(ws.store, table, args.out, filters, today)
        print(f"Wrote {count:,} transactions to {args.out} ({scope})")
    else:
        count = report.export_dataset(ws.store, args.what, table, args.out, filters, today, args.interval)
        if args.what == "summary":  # it has no transfer filter: outside transfers have their own columns
            from core.analytics.filters import describe_period

            scope = f"{describe_period(filters, today)}; {_describe_scope(filters, period=False, transfers=False)}"
        print(f"Wrote {count:,} rows of {args.what} to {args.out} ({scope})")
    return EXIT_OK


def _export_filters(store: Store, args: argparse.Namespace) -> Filters | None:
    """The dashboard's filters from the command line, checked the same way; None after printing problems."""
    from core.analytics import ledger
    from core.analytics.choices import filter_choices
    from core.analytics.filters import parse_query

    everything = args.what in ("transactions", "sql")
    pending = everything if args.include_pending is None else args.include_pending
    transfers = everything if args.include_transfers is None else args.include_transfers
    raw = {
        "period": [args.period or ("all" if not (args.start or args.end) else "")],
        "from": [args.start or ""], "to": [args.end or ""], "account": args.account, "category": args.category,
        "merchant": [args.merchant or ""], "min": [args.min_amount or ""], "max": [args.max_amount or ""],
        "currency": [args.currency or ""], "pending": ["1" if pending else ""],
        "transfers": ["1" if transfers else ""],
    }  # fmt: skip
    with ledger.reading(store) as con:
        choices = filter_choices(con)
    parsed = parse_query(raw, choices.known())
    if parsed.problems:
        for problem in parsed.problems:
            print(f"finboard: {problem.replace('`', '')}", file=sys.stderr)
        return None
    filters = parsed.filters
    # A chart shows one currency (they are never added): a bundle or a chart's picture defaults to the most used.
    picture = args.what == "bundle" or (args.what != "sql" and _export_format(args) in FIGURE_SUFFIXES)
    if picture and filters.currency is None and choices.default_currency:
        filters = filters.with_currency(choices.default_currency)
    return filters


def _describe_scope(filters: Filters, *, period: bool = True, transfers: bool = True) -> str:
    from core.analytics.filters import PERIOD_LABELS

    parts = []
    if period:
        parts.append(PERIOD_LABELS[filters.period].lower())
        if filters.period == "custom":
            parts[0] = f"{filters.start or 'start'} to {filters.end or 'today'}"
    parts.append("pending included" if filters.include_pending else "posted only")
    if transfers:
        parts.append("transfers included" if filters.include_transfers else "transfers excluded")
    if filters.currency:
        parts.append(filters.currency)
    return ", ".join(parts)


def _describe_now(filters: Filters) -> str:
    """Recurring streams and the forecast look at all history and at today: only accounts, categories,
    merchant text and currency narrow them."""
    parts = ["as of today"]
    if filters.accounts:
        parts.append(f"{len(filters.accounts)} account(s)")
    if filters.categories:
        parts.append(f"{len(filters.categories)} categor{'ies' if len(filters.categories) > 1 else 'y'}")
    if filters.merchant:
        parts.append(f"merchant contains {filters.merchant!r}")
    parts.append(filters.currency or "every currency")
    return ", ".join(parts)


def _export_format(args: argparse.Namespace) -> str:
    """`export`'s --format, else the file name's extension (csv when it is none of ours)."""
    return str(args.format or _format_from_suffix(args.out))


def _format_from_suffix(out: Path) -> str:
    suffix = out.suffix.lower().lstrip(".")
    return suffix if suffix in ("parquet", "xlsx", *FIGURE_SUFFIXES) else "csv"


def cmd_check(args: argparse.Namespace) -> int:
    from core.analytics.balance_checks import check_balances, report_lines

    ws = _workspace()
    if not ws.settings.db_path.exists():
        print(
            f"finboard: no Finboard database at {ws.settings.db_path}: connect a bank first (`finboard run`, or "
            "`finboard connect-sandbox` and `finboard sync`), or point FINBOARD_DB at your database.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    with ws.store.connect() as con:
        checks = check_balances(con)
    if checks.accounts.empty:
        print("No accounts yet. Connect a bank with `finboard connect-sandbox` or the dashboard.")
        return EXIT_OK
    print("\n".join(report_lines(checks)))
    return EXIT_OK if checks.ok else EXIT_FAILED


def cmd_sql(args: argparse.Namespace) -> int:
    from datetime import date

    from core.analytics.filters import Filters
    from core.store import Store
    from core.workbench import shell

    settings = load_settings()
    store = Store(settings.db_path)
    filters = _export_filters(store, args) if _filters_given(args) else Filters("all", include_pending=True,
                                                                             include_transfers=True)  # fmt: skip
    if filters is None:
        return EXIT_USAGE
    time_limit = settings.sql_time_limit if args.time_limit is None else args.time_limit
    if not 0 < time_limit <= 3600:
        print("finboard: --time-limit must be between 0 and 3600 seconds.", file=sys.stderr)
        return EXIT_USAGE
    if args.query is not None and args.file is not None:
        print("finboard: give the SQL as an argument or with --file, not both.", file=sys.stderr)
        return EXIT_USAGE
    sql = args.query
    if args.file is not None:
        sql = _read_sql_file(args.file)
    elif sql is None and not sys.stdin.isatty():
        sql = sys.stdin.read()  # `finboard sql < q.sql` or a pipe
    if sql is None:
        return shell.Shell(store, filters, date.today(), time_limit=time_limit).loop()
    from core.workbench.output import format_for

    fmt = format_for(args.out, args.format)
    result = shell.run_once(store, sql, filters, date.today(), time_limit=time_limit)
    shell.write_result(result, fmt, args.out, sys.stdout)
    if args.out is not None:
        print(f"Wrote {shell.describe(result)} to {args.out}", file=sys.stderr)
    elif result.truncated:
        print(f"finboard: {shell.describe(result)}: the result was bigger than the size limit.", file=sys.stderr)
    return EXIT_OK


def _filters_given(args: argparse.Namespace) -> bool:
    """Whether any filter option was given (checking them costs a look at the analytics ledger)."""
    values = (args.period, args.start, args.end, args.merchant, args.min_amount, args.max_amount, args.currency,
              args.include_pending, args.include_transfers)  # fmt: skip
    return bool(args.account or args.category) or any(v is not None for v in values)


def _read_sql_file(path: Path) -> str:
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise FinboardError(f"Cannot read {path}: {e.strerror}.") from None
    except UnicodeDecodeError:
        raise FinboardError(f"{path} is not UTF-8 text.") from None


def cmd_webhooks(args: argparse.Namespace) -> int:
    from core.webhooks import WebhookReceiver

    _stop_on_signals()
    ws = _workspace()
    port = args.port or ws.settings.webhook_port
    try:
        receiver = WebhookReceiver(ws, port=port)
    except OSError:
        raise FinboardError(
            f"Port {port} is already in use (is `finboard run` or another receiver running? It receives webhooks "
            "too). Stop it, or pick another port with --port N or FINBOARD_WEBHOOK_PORT."
        ) from None
    logging.getLogger("core.webhooks").setLevel(logging.INFO)  # one line per webhook and per job
    print(f"Receiving Plaid webhooks on {receiver.url}  (Ctrl-C to stop)", flush=True)
    if ws.webhook_url and f":{port}/" not in ws.webhook_url:
        print(f"Note: Plaid is told to send webhooks to {ws.webhook_url}, not to this port.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        receiver.stop()
    return EXIT_OK


def cmd_rotate_key(args: argparse.Namespace) -> int:
    from core.vault import rotate_key

    ws = _workspace()
    count = rotate_key(ws.settings, ws.store)
    if ws.settings.key:
        pending = ws.settings.key_file.with_name(ws.settings.key_file.name + ".new")
        print(
            f"Re-encrypted {count} secrets. Your key comes from FINBOARD_KEY: set it to the new key stored in "
            f"{pending} (mode 0600), then delete that file."
        )
    else:
        print(f"Re-encrypted {count} secrets; the new key is in {ws.settings.key_file}.")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
