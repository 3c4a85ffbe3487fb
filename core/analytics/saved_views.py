"""Saved views: named filter sets kept in the database, so a view is one click away."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from core.analytics.filters import Filters
from core.errors import FinboardError
from core.store import Store

MAX_NAME = 60


@dataclass(frozen=True)
class SavedView:
    name: str
    query: str  # the filters as a URL query string


def saved_views(con: duckdb.DuckDBPyConnection) -> list[SavedView]:
    rows = con.execute("SELECT name, query FROM saved_views ORDER BY lower(name)").fetchall()
    return [SavedView(str(name), str(query)) for name, query in rows]


def save_view(store: Store, name: str, filters: Filters) -> SavedView:
    """Save (or overwrite) the view `name` with these filters."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise FinboardError(f"A view needs a name of 1 to {MAX_NAME} characters.")
    view = SavedView(name, filters.query_string())
    with store.transaction() as con:
        con.execute("INSERT OR REPLACE INTO saved_views (name, query) VALUES (?, ?)", [view.name, view.query])
    return view


def delete_view(store: Store, name: str) -> None:
    with store.transaction() as con:
        con.execute("DELETE FROM saved_views WHERE name = ?", [name])
