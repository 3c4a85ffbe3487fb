"""Plotly figures built from analytics DataFrames, in one visual style."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

INCOME_COLOR = "#16A34A"
SPENDING_COLOR = "#DC2626"
NET_COLOR = "#2563EB"


def monthly_cash_flow(df: pd.DataFrame, currency: str) -> go.Figure:
    """Income and spending bars per month with a net line, for one currency."""
    fig = go.Figure()
    fig.add_bar(x=df["month"], y=df["income"], name="Income", marker_color=INCOME_COLOR)
    fig.add_bar(x=df["month"], y=-df["spending"], name="Spending", marker_color=SPENDING_COLOR)
    fig.add_scatter(x=df["month"], y=df["net"], name="Net", mode="lines+markers", line_color=NET_COLOR)
    fig.update_layout(
        barmode="relative",
        height=360,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.1},
        yaxis_title=currency,
        hovermode="x unified",
    )
    return fig
