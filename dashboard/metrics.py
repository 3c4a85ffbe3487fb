"""Key figures with their change against the previous period and a small trend line."""

from __future__ import annotations

import math
from typing import Any

from dashboard.charts import money


def kpi(
    container: Any,
    label: str,
    value: float | None,
    previous: float | None,
    currency: str | None,
    *,
    trend: list[float | None] | None = None,
    inverse: bool = False,
    neutral: bool = False,
    percent: bool = False,
    help: str | None = None,
) -> None:
    """st.metric for money (or a rate): the delta says by how much it moved since the previous period
    (green when up, red with `inverse`, grey with `neutral`: neither direction is better)."""
    value, previous = _number(value), _number(previous)
    shown = "–" if value is None else (f"{value:.0%}" if percent else money(value, currency))
    delta, change = None, None
    if value is not None and previous is not None:
        change = value - previous
        # st.metric reads the arrow's direction from a leading ASCII "-"
        sign = "-" if change < 0 else "+" if change > 0 else "±"
        delta = f"{sign}{abs(change) * 100:.0f} pts" if percent else f"{sign}{money(abs(change), currency)}"
    points = [p for p in (trend or []) if _number(p) is not None]
    container.metric(
        label,
        shown,
        delta,
        delta_color="off" if neutral or change == 0 else "inverse" if inverse else "normal",
        delta_arrow="off" if change == 0 else "auto",
        border=True,
        help=help,
        chart_data=points if len(points) > 1 else None,
        chart_type="area" if not percent else "line",
        delta_description="vs previous period" if delta else None,
    )


def _number(value: Any) -> float | None:
    """A plain float from DuckDB's numbers (Decimal, numpy); None for missing or NaN."""
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def outside_transfers_note(row: dict[str, Any], currency: str) -> str:
    """One line saying what moved beside net: to and from outside Finboard, and between your accounts."""
    values = [_number(row.get(k)) or 0.0 for k in ("transfers_in_outside", "transfers_out_outside",
                                                    "transfers_out_internal")]  # fmt: skip
    outside_in, outside_out, internal = (money(v, currency) for v in values)
    return (
        f"Beside net, not in it: **{outside_in}** came in from and **{outside_out}** went out to accounts "
        f"outside Finboard (deposits, cash, investments, unconnected cards); **{internal}** moved between your "
        "own accounts."
    )
