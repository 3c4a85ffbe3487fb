"""The SQL page's parts: the copy of the read model (one per data version, shared by every session),
running a query in a worker thread with a Cancel button, the paged result, its downloads, the chart
builder and saved queries. Queries run on core.workbench's locked-down instances, never on the file.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from core import export
from core.analytics.filters import Filters
from core.charts.figures import query_chart
from core.errors import FinboardError
from core.store import Store
from core.text import markdown_text, one_line
from core.workbench.chart import CHART_KEYS, CHART_KINDS, ChartSpec, chart_data, default_chart, parse_chart
from core.workbench.columns import column_kinds
from core.workbench.output import result_bytes
from core.workbench.readmodel import (
    FILTERED,
    ReadModelCopy,
    copy_read_model,
    filtered_transactions,
    relations_named,
    with_flows,
)
from core.workbench.saved import MAX_SQL, SQL_KEY, SavedQuery, delete_query, link_query, save_query, saved_queries
from core.workbench.session import QueryError, QueryResult, Relation, Workbench
from dashboard import data
from dashboard.context import workspace
from dashboard.filters import sync_url, url_state, url_write
from dashboard.page import PageContext

PAGE_ROWS = 100  # rows sent to the browser at a time
EXAMPLES = {
    "Spending by category, per currency": (
        "-- money out is positive (Plaid's sign), refunds lower their category; never add different currencies\n"
        "SELECT category_primary, iso_currency_code, sum(amount) AS spent, count(*) AS transactions\n"
        "FROM filtered_transactions\n"
        "WHERE flow = 'spending'\n"
        "GROUP BY ALL\n"
        "ORDER BY spent DESC"
    ),
    "What moved to and from outside Finboard": (
        "SELECT date_trunc('month', date) AS month, iso_currency_code,\n"
        "       -sum(amount) FILTER (WHERE amount < 0) AS came_in, sum(amount) FILTER (WHERE amount > 0) AS went_out\n"
        "FROM transactions JOIN transaction_flows USING (transaction_id)\n"
        "WHERE flow = 'transfer_outside'\n"
        "GROUP BY ALL\n"
        "ORDER BY month"
    ),
    "Money in and out per month": (
        "SELECT date_trunc('month', date) AS month, iso_currency_code,\n"
        "       -sum(amount) FILTER (WHERE amount < 0) AS money_in,\n"
        "       sum(amount) FILTER (WHERE amount > 0) AS money_out\n"
        "FROM transactions\n"
        "GROUP BY ALL\n"
        "ORDER BY month"
    ),
    "Top merchants": (
        "SELECT coalesce(merchant_name, name) AS merchant, iso_currency_code,\n"
        "       sum(amount) AS spent, count(*) AS visits\n"
        "FROM filtered_transactions\n"
        "WHERE amount > 0\n"
        "GROUP BY ALL\n"
        "ORDER BY spent DESC\n"
        "LIMIT 20"
    ),
    "Balance of each account over time": (
        "SELECT b.date, a.name AS account, b.current_balance\n"
        "FROM balance_history b JOIN accounts a USING (account_id)\n"
        "ORDER BY b.date"
    ),
}
_RAN = "_sql_ran"  # the last query's outcome (Ran)
_RUNNING = "_sql_running"  # (sql, data version, time.time() at start) while a query runs
_ROW_PAGE = "sql_row_page"
_CHART_ON = "sql_chart"
_WRITTEN_CHART = "_sql_chart_written"
_CHART_WANTED = "_sql_chart_wanted"
_NO_COLUMN = ""


@dataclass(frozen=True)
class Ran:
    """What came of the last Run: a result, or DuckDB's (or the time limit's) message."""

    sql: str
    version: int
    result: QueryResult | None = None
    error: str | None = None
    stopped: bool = False


# -- the copy --------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=1)
def read_model(src: data.Source) -> ReadModelCopy:
    """The public read model as of the data version: copied again when a sync or an edit moves it."""
    return copy_read_model(_store(src))


@st.cache_resource(show_spinner=False, max_entries=4)
def filtered(src: data.Source, filters: Filters, today: date) -> pa.Table:
    return filtered_transactions(_store(src), read_model(src).tables["transactions"], filters, today)


@st.cache_resource(show_spinner=False, max_entries=1)
def catalog(src: data.Source) -> list[Relation]:
    """What queries can read, listed by a workbench over the copy itself (filtered_transactions as it
    will be, with no rows)."""
    copy = read_model(src)
    empty = with_flows(copy.tables["transactions"].slice(0, 0), copy.tables["transaction_flows"].slice(0, 0))
    tables = {**copy.tables, FILTERED: empty}
    with Workbench(tables, time_limit=10) as workbench:
        return workbench.catalog()


def _store(src: data.Source) -> Store:
    store = workspace().store
    assert str(store.path) == src.db, "the workspace changed database during a run"
    return store


def load_copy(page: PageContext) -> ReadModelCopy:
    """The copy for this data version; the first page view after a change makes it, visibly."""
    with st.spinner("Copying your data for SQL…"):
        return page.load(read_model)


# -- editor and running ----------------------------------------------------------------------


def editor() -> tuple[str, bool]:
    """The SQL editor, kept in the URL (`sql`); returns its text and whether it came from a link just opened."""
    raw = st.query_params.get_all(SQL_KEY)
    from_link = bool(raw) and raw != st.session_state.get(f"_u_{SQL_KEY}")
    if raw and len(raw[0]) > MAX_SQL:
        st.warning(f"The query in the address was cut to {MAX_SQL:,} characters.", icon=":material/link_off:")
    state = url_state(SQL_KEY, lambda text: text[:MAX_SQL], "", problem="")
    text = st.text_area(
        "SQL",
        key=state,
        height=200,
        max_chars=MAX_SQL,
        placeholder="SELECT category_primary, sum(amount) FROM filtered_transactions GROUP BY ALL",
        help="DuckDB SQL over a read-only copy of your data. Several statements may be separated by `;`: "
        "the last one's rows are shown. What a query creates or changes lasts for that run only.",
    )
    url_write(SQL_KEY, text.strip() or None)
    return text, from_link


def run(page: PageContext, copy: ReadModelCopy, sql: str) -> None:
    """Run `sql` on a fresh locked-down workbench while the page shows the time and a Cancel button."""
    tables = dict(copy.tables)
    if FILTERED in relations_named(sql):
        tables[FILTERED] = page.load(filtered, page.filters, page.today)
    workbench = Workbench(tables, time_limit=workspace().settings.sql_time_limit)
    outcome: list[QueryResult | QueryError] = []

    def work() -> None:
        try:
            outcome.append(workbench.run(sql))
        except QueryError as e:
            outcome.append(e)

    st.session_state[_RUNNING] = (sql, page.src.version, time.time())
    worker = threading.Thread(target=work, name="finboard-sql", daemon=True)
    worker.start()
    started = time.perf_counter()
    status = st.empty()
    try:
        with status.container(horizontal=True, vertical_alignment="center"):
            st.button("Cancel", key="sql_cancel", icon=":material/stop_circle:", on_click=_cancel_clicked)
            clock = st.empty()
        while worker.is_alive():
            # Each update lets Streamlit end this run when the page reruns (Cancel, a new Run, leaving the page).
            clock.caption(f"Running… {time.perf_counter() - started:.1f} s")
            worker.join(0.2)
    finally:
        if worker.is_alive():
            workbench.cancel()
            worker.join()
        workbench.close()
    status.empty()
    st.session_state.pop(_RUNNING, None)
    got = outcome[0]
    if isinstance(got, QueryResult):
        st.session_state[_RAN] = Ran(sql, page.src.version, result=got)
    else:
        st.session_state[_RAN] = Ran(
            sql, page.src.version, error=str(got), stopped=type(got).__name__ == "QueryStopped"
        )
    st.session_state[_ROW_PAGE] = 1


def _cancel_clicked() -> None:
    """Runs first thing in the rerun the click starts; the interrupted run has cancelled its query by then."""
    running = st.session_state.pop(_RUNNING, None)
    if running is not None:
        sql, version, started = running
        st.session_state[_RAN] = Ran(
            sql, version, error=f"Cancelled after {time.time() - started:.1f} s.", stopped=True
        )


# -- results ---------------------------------------------------------------------------------


def results(page: PageContext) -> QueryResult | None:
    """The last outcome: DuckDB's message, or the result's size and time and one page of its rows."""
    ran: Ran | None = st.session_state.get(_RAN)
    if ran is None:
        st.caption("Write a query, or pick an example, and press **Run**.")
        return None
    if ran.error is not None:
        if ran.stopped:
            st.warning(ran.error, icon=":material/timer_off:")
        else:
            st.error("DuckDB could not run the query:", icon=":material/error:")
            st.code(ran.error, language=None, wrap_lines=True)
        return None
    result = ran.result
    assert result is not None
    line = (
        f"**{result.rows:,}** row{'s' if result.rows != 1 else ''} · {len(result.columns)} "
        f"column{'s' if len(result.columns) != 1 else ''} · ran in **{result.seconds:.3f} s**"
    )
    if result.truncated:
        line += " · :orange[more rows than fit in memory here: the first ones are kept (use `finboard sql --out`)]"
    if ran.version != page.src.version:
        line += "  \n:orange[The data changed since this ran: press Run for the latest.]"
    st.markdown(line)
    pages = max(1, -(-result.rows // PAGE_ROWS))
    number = min(max(1, int(st.session_state.get(_ROW_PAGE, 1))), pages)
    first = (number - 1) * PAGE_ROWS
    st.dataframe(
        result.table.slice(first, PAGE_ROWS),
        hide_index=True,
        width="stretch",
        key="sql_result",
        column_config=_exact_decimals(result.table.schema),
    )
    if pages > 1:
        prev_col, where_col, next_col, _ = st.columns([1, 2, 1, 4], vertical_alignment="center")
        prev_col.button("Previous", icon=":material/chevron_left:", disabled=number == 1, on_click=_turn, args=(-1,))
        where_col.caption(f"Rows {first + 1:,}–{min(first + PAGE_ROWS, result.rows):,} of {result.rows:,}")
        next_col.button("Next", icon=":material/chevron_right:", disabled=number == pages, on_click=_turn, args=(1,))
    st.session_state[_ROW_PAGE] = number
    _downloads(result, ran.sql)
    return result


def _exact_decimals(schema: pa.Schema) -> dict[str, ColumnConfig]:
    """DECIMAL columns shown with all their decimals (12.50, not 12.5)."""
    return {
        field.name: st.column_config.NumberColumn(format=f"%.{field.type.scale}f")
        for field in schema
        if pa.types.is_decimal(field.type)
    }


def _turn(step: int) -> None:
    st.session_state[_ROW_PAGE] = int(st.session_state.get(_ROW_PAGE, 1)) + step


def _downloads(result: QueryResult, sql: str) -> None:
    stem = "finboard-query-" + time.strftime("%Y%m%d-%H%M%S")
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption("Download the whole result:")
        for fmt in export.FORMATS:
            too_many = fmt == "xlsx" and result.rows > export.XLSX_MAX_ROWS
            st.download_button(
                fmt.upper() if fmt != "parquet" else "Parquet",
                data=_file(result.table, fmt),
                file_name=f"{stem}.{fmt}",
                mime=export.MIME[fmt],
                key=f"sql_download_{fmt}",
                on_click="ignore",
                icon=":material/download:",
                disabled=too_many,
                help="More rows than an Excel sheet holds: use CSV or Parquet." if too_many else None,
            )


def _file(table: pa.Table, fmt: export.Format) -> Callable[[], bytes]:
    return lambda: result_bytes(table, fmt)


# -- chart -----------------------------------------------------------------------------------


def chart_builder(page: PageContext, result: QueryResult, from_link: bool) -> ChartSpec | None:
    """One click draws the result with defaults from its column types; x, y, colour and type can be changed.

    The chart lives in the URL (`chart`, `x`, `y`, `color`), so a link shows it too.
    """
    table = result.table
    kinds = column_kinds(table.schema)
    drawable = [c for c, k in kinds.items() if k != "other"]
    numbers = [c for c, k in kinds.items() if k == "number"]
    url = {key: st.query_params.get_all(key) for key in CHART_KEYS}
    if from_link or (any(url.values()) and url != st.session_state.get(_WRITTEN_CHART)):
        spec, problems = parse_chart(url, table)
        for problem in problems:
            st.warning(markdown_text(problem), icon=":material/link_off:")
        if spec is not None:
            _seed_chart(spec)
    default = default_chart(table)
    if not drawable or (default is None and _CHART_ON not in st.session_state):
        _write_chart(None)
        return None
    if _CHART_ON not in st.session_state and st.session_state.get(_CHART_WANTED):
        st.session_state[_CHART_ON] = True  # kept across a run that drew no chart (an error, an empty result)
    on = st.toggle("Chart", key=_CHART_ON, help="Draw the result; change what goes where below.")
    st.session_state[_CHART_WANTED] = on
    if not on:
        _write_chart(None)
        return None
    if st.session_state.get("sql_x") not in drawable:
        _seed_chart(default or ChartSpec("bar", drawable[0]), show=False)
    cols = st.columns(4)
    kind = cols[0].selectbox("Chart type", CHART_KINDS, key="sql_kind", format_func=str.capitalize)
    x = cols[1].selectbox("x", drawable, key="sql_x")
    # "" stands for no column: a selectbox shows None as an empty choice, not as "(none)"
    y_options = [_NO_COLUMN, *[c for c in numbers if c != x]]
    if st.session_state.get("sql_y") not in y_options:
        st.session_state["sql_y"] = y_options[1] if len(y_options) > 1 else _NO_COLUMN
    y = cols[2].selectbox("y", y_options, key="sql_y", format_func=lambda c: c or "(count rows)") or None
    color_options = [_NO_COLUMN, *[c for c in drawable if c != x]]
    if st.session_state.get("sql_color") not in color_options:
        st.session_state["sql_color"] = _NO_COLUMN
    color = cols[3].selectbox("Colour", color_options, key="sql_color", format_func=lambda c: c or "(none)") or None
    if kind == "scatter" and y is None:
        st.caption("A scatter needs a number for y: drawn as bars.")
        kind = "bar"
    spec = ChartSpec(kind, x, y, color)
    drawn = chart_data(table, spec)
    st.caption(
        "Rows with the same x (and colour) are added up"
        + (", or counted when y is (count rows)" if y is None else "")
        + "; a scatter draws rows as they are. "
        + markdown_text(" ".join(drawn.notes))
    )
    page.chart(query_chart(drawn), name="query", title="Query result", data=drawn.frame)
    _write_chart(spec)
    return spec


def _seed_chart(spec: ChartSpec, *, show: bool = True) -> None:
    if show:
        st.session_state[_CHART_ON] = True
    st.session_state["sql_kind"] = spec.kind
    st.session_state["sql_x"] = spec.x
    st.session_state["sql_y"] = spec.y or _NO_COLUMN
    st.session_state["sql_color"] = spec.color or _NO_COLUMN


def _write_chart(spec: ChartSpec | None) -> None:
    wanted = spec.to_query() if spec is not None else {}
    sync_url(wanted, CHART_KEYS)
    st.session_state[_WRITTEN_CHART] = {key: wanted.get(key, []) for key in CHART_KEYS}


# -- schema, examples, saved queries ----------------------------------------------------------


def schema(page: PageContext, copy: ReadModelCopy) -> None:
    """The tables and views queries can read, with their columns and row counts, and example queries."""
    st.markdown("**Tables**")
    for relation in page.load(catalog):
        rows = copy.tables[relation.name].num_rows if relation.name in copy.tables else None
        count = f" · {rows:,} row{'' if rows == 1 else 's'}" if rows is not None else " · the sidebar's selection"
        title = f"`{relation.name}`{count}"
        with st.expander(title):
            st.markdown("  \n".join(f"`{name}` {kind.lower()}" for name, kind in relation.columns))
    st.caption(
        f"A copy of the read model, made in {copy.seconds:.1f} s when the data last changed. Tokens, account "
        "numbers and owners are not in it. `filtered_transactions` follows the sidebar filters."
    )
    st.markdown("**Examples**")
    for title, sql in EXAMPLES.items():
        st.button(title, key=f"sql_example_{title}", type="tertiary", on_click=_use, args=(sql, None))


def saved(page: PageContext, sql: str, spec: ChartSpec | None) -> None:
    """Saved queries: open one (it runs), save the current one under a name, delete."""
    store = workspace().store
    queries = page.load(_saved)
    for problem in st.session_state.pop("_sql_saved_problems", ()):
        st.warning(markdown_text(problem))
    with st.expander(f"Saved queries ({len(queries)})", icon=":material/bookmarks:", expanded=False):
        for query in queries:
            open_col, delete_col = st.columns([8, 1], vertical_alignment="center")
            open_col.button(
                markdown_text(query.name),
                key=f"sql_open_{query.name}",
                type="tertiary",
                on_click=_use,
                args=(query.sql, query),
                help=markdown_text(one_line(query.sql)[:200]),
            )
            delete_col.button(
                "",
                icon=":material/close:",
                key=f"sql_delete_{query.name}",
                type="tertiary",
                on_click=_change_saved,
                args=(lambda name=query.name: delete_query(store, name),),
                help="Delete",
            )
        if not queries:
            st.caption("Save a query with its chart to run it again in one click. Its link (the page's address) "
                       "shares it as well.")  # fmt: skip
        name_col, save_col = st.columns([3, 1], vertical_alignment="bottom")
        name_col.text_input("Name", key="sql_save_name", max_chars=60, placeholder="e.g. Groceries per month")
        save_col.button(
            "Save",
            icon=":material/bookmark_add:",
            on_click=_change_saved,  # reads the name and the SQL as they are when clicked, not as last drawn
            args=(
                lambda: save_query(store, st.session_state["sql_save_name"], st.session_state[f"u_{SQL_KEY}"], spec),
            ),
        )
    if sql.strip() and len(sql) <= MAX_SQL:
        with st.popover("Share", icon=":material/link:"):
            st.caption("This link opens the query, its chart and the sidebar filters (it runs when opened):")
            st.code(f"{st.context.url}?{link_query(sql, spec, page.filters)}", language=None, wrap_lines=True)


@st.cache_data(show_spinner=False, max_entries=4)
def _saved(src: data.Source) -> list[SavedQuery]:
    with _store(src).connect() as con:
        return saved_queries(con)


def _change_saved(change: Callable[[], object]) -> None:
    try:
        change()
        st.session_state["sql_save_name"] = ""
    except FinboardError as e:
        st.session_state["_sql_saved_problems"] = (str(e),)
    _saved.clear()


def _use(sql: str, query: SavedQuery | None) -> None:
    """Put a query (an example or a saved one, with its chart) in the editor and run it."""
    st.session_state[f"u_{SQL_KEY}"] = sql
    st.session_state["_sql_run_now"] = True
    st.session_state.pop(_RAN, None)
    if query is not None and query.chart:
        st.session_state["_sql_pending_chart"] = query.params()


def take_run_request() -> bool:
    """Whether an example or a saved query asked to run (once)."""
    return bool(st.session_state.pop("_sql_run_now", False))


def pending_chart(result: QueryResult | None) -> None:
    """A saved query's chart, applied once its result is there."""
    params = st.session_state.pop("_sql_pending_chart", None)
    if params and result is not None:
        spec, _ = parse_chart(params, result.table)
        if spec is not None:
            _seed_chart(spec)
