"""Odd and hostile input on every page (AppTest): the hostile bank's names are shown as text wherever
Streamlit renders Markdown and wherever Plotly draws labels, and no query parameter, however odd,
raises. The browser's view of the same is tests/e2e/test_hostile_bank.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from core.analytics.filters import FILTER_KEYS
from core.emulator import hostile
from core.store import Store
from core.text import markdown_text, one_line
from core.webhooks.audit import WebhookEvent, record_events
from tests.conftest import ROOT
from tests.worlds import hostile_world, small_world

APP = str(ROOT / "dashboard" / "app.py")
PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))
MARKDOWN_FIELDS = {"body", "label", "help", "text"}  # proto fields Streamlit renders as Markdown
# Hostile names that Markdown or Plotly would interpret: none may reach a renderer unescaped.
HOSTILE = [one_line(n) for n in hostile.EVERY_NAME]
MARKDOWN_ACTIVE = [n for n in HOSTILE if set(n) & set("[]<>`*_~$|#&:")]
PLOTLY_ACTIVE = [n for n in HOSTILE if "<" in n or "%{" in n]


def open_page(page: str, params: dict[str, Any] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(f"../pages/{page}")
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run()


def strings(message: Any, wanted: set[str] | None) -> Iterator[str]:
    """The string fields of a protobuf message (only those named in `wanted`, if given), recursively."""
    for field, value in message.ListFields():
        single = isinstance(value, str | bytes | int | float) or hasattr(value, "ListFields")
        values = [value] if single else list(value)  # a repeated field
        for v in values:
            if isinstance(v, str) and (wanted is None or field.name in wanted):
                yield v
            elif hasattr(v, "ListFields"):
                yield from strings(v, wanted)


def rendered(at: AppTest) -> tuple[list[str], list[str]]:
    """Text Streamlit renders as Markdown, and every string of every Plotly figure, on the page."""
    markdown, plotly = [], []
    for node in [*at.main, *at.sidebar]:
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "ListFields"):
            continue
        if type(node).__name__ == "PlotlyChart" or proto.DESCRIPTOR.name == "PlotlyChart":
            figure = json.loads(proto.spec)
            plotly += [s for s in _json_strings(figure)]
        elif proto.DESCRIPTOR.name not in ("Arrow", "ArrowTable", "DataFrame"):
            markdown += list(strings(proto, MARKDOWN_FIELDS))
    return markdown, plotly


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v)


@pytest.fixture
def hostile_db(db_env):
    store = hostile_world(Store(db_env))
    record_events(store, [
        WebhookEvent("e1", datetime(2025, 6, 1, 12, 0), "[x](http://evil.example/w)\x1b[2J", "<img src=x>",
                     "item-a", False, "rejected: ![p](http://127.0.0.1:9/p.png)", None),
    ])  # fmt: skip
    store.bump_data_version()
    return db_env


@pytest.mark.parametrize("page", PAGES)
def test_the_hostile_banks_names_are_shown_as_text(hostile_db, page):
    at = open_page(page, {"from": "2025-01-01", "to": "2025-01-31", "pending": "1", "transfers": "1"})
    assert not at.exception, at.exception
    markdown, plotly = rendered(at)
    assert markdown, "the page rendered text"
    for text in markdown:
        leaked = [name for name in MARKDOWN_ACTIVE if name in text]
        assert not leaked, f"unescaped in Markdown: {leaked[0]!r} in {text!r}"
        assert "\x1b" not in text and "\n" not in text.replace("  \n", "")
    for text in plotly:
        leaked = [name for name in PLOTLY_ACTIVE if name in text]
        assert not leaked, f"unescaped in a chart: {leaked[0]!r} in {text!r}"
    cells = [v for t in at.table for column in t.value.columns for v in t.value[column] if isinstance(v, str)]
    for text in cells:  # st.table renders its cells as Markdown too
        leaked = [name for name in MARKDOWN_ACTIVE if name in text]
        assert not leaked, f"unescaped in a table: {leaked[0]!r} in {text!r}"
    if page == "connections.py":
        (events,) = [t.value for t in at.table if "Outcome" in t.value.columns]
        assert events["Webhook"].iloc[0].startswith(markdown_text("[x](http://evil.example/w)"))
        assert {markdown_text(n) for n in hostile.EVERY_NAME} & set(cells), "the accounts table shows the names"


# -- query parameters ----------------------------------------------------------------------------

PAGE_KEYS = ("interval", "image", "q", "sort", "page")
ODD = ["²", "-1", "0", "1e3", "NaN", "inf", "9" * 30, "0001-01-01", "9999-12-31", "1900-01-01", "2199-12-31",
       "2025-02-30", "all", "custom", "USD", "", " ", "`", "![x](http://127.0.0.1:9/q.png)", "%{x}",
       "\x1b[2J"]  # fmt: skip
values = st.one_of(
    st.sampled_from(ODD),
    st.text(max_size=30),
    st.dates().map(str),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
params = st.dictionaries(
    st.one_of(st.sampled_from(FILTER_KEYS + PAGE_KEYS), st.text(min_size=1, max_size=10)),
    st.one_of(values, st.lists(values, min_size=1, max_size=3)),
    max_size=6,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("world") / "finboard.duckdb"
    small_world(Store(db))
    return db


@pytest.mark.parametrize("page", PAGES)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=params)
@example(query={"from": "0001-01-01", "to": "0001-12-31"})  # the inputs that used to crash pages
@example(query={"from": "9999-12-01", "to": "9999-12-31"})
@example(query={"from": "1900-01-01", "to": "2199-12-31", "interval": "day"})
@example(query={"page": "²"})
def test_no_query_parameter_raises(world, monkeypatch, page, query):
    monkeypatch.setenv("FINBOARD_DB", str(world))
    at = open_page(page, query)
    assert not at.exception, (query, [e.stack_trace[-4:] for e in at.exception])
