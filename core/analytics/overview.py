"""Overview: the period's income, spending, savings rate and net worth against the previous
period, and the connections that need attention."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from core.analytics.balances import net_worth, net_worth_on
from core.analytics.cash_flow import totals
from core.analytics.filters import Filters

STALE_AFTER_DAYS = 3


def summary(con: duckdb.DuckDBPyConnection, filters: Filters, today: date) -> pd.DataFrame:
    """One row per currency: income, spending, net, savings_rate and their previous_* values
    (NULL when there is no previous period), net_worth now and previous_net_worth at the end of the
    previous period (NULL when balance history does not reach back that far)."""
    flows = totals(con, filters, today)
    worth = net_worth(con, filters)[["currency", "net_worth"]]
    frame = worth.merge(flows, on="currency", how="outer")
    previous = filters.previous_window(today)
    frame["previous_net_worth"] = float("nan")
    if previous is not None and previous.end is not None:
        past = net_worth_on(con, filters, [previous.end])
        known = dict(zip(past["currency"][past["complete"]], past["net_worth"][past["complete"]], strict=True))
        frame["previous_net_worth"] = [known.get(c, float("nan")) for c in frame["currency"]]
    return frame.sort_values("currency", ignore_index=True)


def items_needing_attention(con: duckdb.DuckDBPyConnection, now: date) -> pd.DataFrame:
    """Connections that are not healthy, or healthy but not synced for STALE_AFTER_DAYS days:
    item_id, institution, status, error_message, last_synced_at, stale."""
    return con.execute(
        """
        SELECT item_id, coalesce(institution_name, institution_id, item_id) AS institution, status, error_message,
               last_synced_at, status = 'healthy' AS stale
        FROM items
        WHERE status <> 'healthy' OR last_synced_at IS NULL OR last_synced_at::DATE <= $now::DATE - $days::INTEGER
        ORDER BY status = 'healthy', institution
        """,
        {"now": now, "days": STALE_AFTER_DAYS},
    ).df()
