"""Plotly figures built from analytics DataFrames, in one visual style.

Colors mean the same everywhere: income green, spending red, net blue, and each category its own
color on every chart. Amounts carry their currency in axes and hovers. No Streamlit here, so the
report bundle (and `finboard export bundle`) draws the same figures. Every name from a bank (merchants,
accounts, institutions, categories) goes through plotly_text: Plotly would draw its HTML and expand
its %{...} in templates.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.analytics.cash_flow import DRAWN, INCOME_HUB, OUTSIDE_DRAWN, OUTSIDE_HUB, OUTSIDE_KEPT, SAVED
from core.analytics.categories import OTHER_CATEGORIES, label
from core.analytics.intervals import Interval
from core.analytics.money_text import CURRENCY_SYMBOLS, ZERO_DECIMALS, money
from core.text import plotly_text
from core.workbench.chart import ChartData

INCOME_COLOR = "#16A34A"
SPENDING_COLOR = "#DC2626"
NET_COLOR = "#2563EB"
NEUTRAL_COLOR = "#94A3B8"
ASSET_COLOR = "#2563EB"
LIABILITY_COLOR = "#F97316"
FONT = "Inter, -apple-system, Segoe UI, Roboto, sans-serif"

CATEGORY_COLORS = {
    "FOOD_AND_DRINK": "#F59E0B",
    "GENERAL_MERCHANDISE": "#8B5CF6",
    "RENT_AND_UTILITIES": "#0EA5E9",
    "TRANSPORTATION": "#14B8A6",
    "TRAVEL": "#EC4899",
    "ENTERTAINMENT": "#F97316",
    "PERSONAL_CARE": "#D946EF",
    "MEDICAL": "#06B6D4",
    "HOME_IMPROVEMENT": "#84CC16",
    "GENERAL_SERVICES": "#6366F1",
    "GOVERNMENT_AND_NON_PROFIT": "#64748B",
    "BANK_FEES": "#B45309",
    "LOAN_PAYMENTS": "#0F766E",
    "LOAN_DISBURSEMENTS": "#155E75",
    "TRANSFER_IN": "#94A3B8",
    "TRANSFER_OUT": "#A1A1AA",
    "INCOME": INCOME_COLOR,
    "OTHER": "#9CA3AF",
    "UNCATEGORIZED": "#D1D5DB",
    OTHER_CATEGORIES: "#CBD5E1",
    SAVED: NET_COLOR,
    DRAWN: SPENDING_COLOR,
    OUTSIDE_HUB: "#64748B",
    OUTSIDE_KEPT: "#60A5FA",
    OUTSIDE_DRAWN: "#F87171",
}
_SPARE_COLORS = ("#A16207", "#7C3AED", "#0891B2", "#BE123C", "#4D7C0F", "#1D4ED8", "#C2410C", "#9333EA")

INTERVAL_TICKS: dict[Interval, str] = {
    "day": "%b %d",
    "week": "%b %d",
    "month": "%b %Y",
    "quarter": "Q%q %Y",
    "year": "%Y",
}


def category_color(category: str | None) -> str:
    """The color of a primary category (or of Saved / Drawn), stable across charts and runs."""
    code = category or "UNCATEGORIZED"
    if code in CATEGORY_COLORS:
        return CATEGORY_COLORS[code]
    return _SPARE_COLORS[zlib.crc32(code.encode()) % len(_SPARE_COLORS)]


def _affixes(currency: str | None) -> dict[str, str]:
    """Axis ticks with thousands separators and the currency: "-$2,000" for dollars, "-2,000 €" otherwise
    (Plotly would put a prefix before the minus sign)."""
    if currency == "USD":
        return {"tickformat": "$,~r"}
    symbol = CURRENCY_SYMBOLS.get(currency or "", f" {currency}" if currency else "").strip()
    return {"tickformat": ",~r", "ticksuffix": f" {plotly_text(symbol)}" if symbol else ""}


def _hover_money(currency: str | None, field: str = "y") -> str:
    symbol = CURRENCY_SYMBOLS.get(currency or "")
    decimals = 0 if currency in ZERO_DECIMALS else 2
    number = f"%{{{field}:,.{decimals}f}}"
    return f"{symbol}{number}" if symbol else f"{number} {plotly_text(currency)}"


def _style(fig: go.Figure, *, height: int = 360, legend: bool = True) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 8, "r": 8, "t": 36 if legend else 12, "b": 8},
        font={"family": FONT, "size": 13, "color": "#111827"},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "title": None},
        showlegend=legend,
        hoverlabel={"font": {"family": FONT}},
        separators=".,",
    )
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(gridcolor="#EEF0F4", zerolinecolor="#CBD5E1")
    return fig


def empty(message: str, height: int = 200) -> go.Figure:
    """A blank chart that says why it is blank."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font={"size": 14, "color": "#6B7280"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _style(fig, height=height, legend=False)


# -- cash flow -------------------------------------------------------------------------------


def cash_flow(frame: pd.DataFrame, currency: str, interval: Interval, *, height: int = 380) -> go.Figure:
    """Income up, spending down, one bar pair per period, with the net as a line."""
    if frame.empty:
        return empty("No income or spending in this period")
    fig = go.Figure()
    hover = _hover_money(currency)
    fig.add_bar(
        x=frame["period"],
        y=frame["income"],
        name="Income",
        marker_color=INCOME_COLOR,
        hovertemplate=f"Income {hover}<extra></extra>",
    )
    fig.add_bar(
        x=frame["period"],
        y=-frame["spending"],
        name="Spending",
        marker_color=SPENDING_COLOR,
        customdata=frame["spending"],
        hovertemplate=f"Spending {_hover_money(currency, 'customdata')}<extra></extra>",
    )
    fig.add_scatter(
        x=frame["period"],
        y=frame["net"],
        name="Net",
        mode="lines+markers",
        line_color=NET_COLOR,
        line_width=2.5,
        marker_size=6,
        hovertemplate=f"Net {hover}<extra></extra>",
    )
    fig.update_layout(barmode="relative", bargap=0.25, hovermode="x unified")
    fig.update_xaxes(tickformat=INTERVAL_TICKS[interval], hoverformat=INTERVAL_TICKS[interval])
    fig.update_yaxes(**_affixes(currency))
    return _style(fig, height=height)


def cumulative_net(frame: pd.DataFrame, currency: str, interval: Interval, *, height: int = 260) -> go.Figure:
    """The running total of the net: what the period added to (or took from) savings so far."""
    if frame.empty:
        return empty("No income or spending in this period")
    fig = go.Figure()
    fig.add_scatter(
        x=frame["period"],
        y=frame["cumulative_net"],
        name="Cumulative net",
        mode="lines+markers",
        line={"color": NET_COLOR, "width": 2.5},
        marker={"size": 6},
        fill="tozeroy",
        fillcolor="rgba(37,99,235,0.10)",
        hovertemplate=f"{_hover_money(currency)}<extra></extra>",
    )
    fig.update_xaxes(tickformat=INTERVAL_TICKS[interval], hoverformat=INTERVAL_TICKS[interval])
    fig.update_yaxes(**_affixes(currency))
    fig.update_layout(hovermode="x unified")
    return _style(fig, height=height, legend=False)


def money_flows(edges: pd.DataFrame, currency: str, *, height: int = 460) -> go.Figure:
    """Sankey: income sources -> income -> spending categories and Saved; beside it, transfers from
    outside -> outside transfers -> transfers to outside (and what was kept or paid from balances)."""
    if edges.empty:
        return empty("No money moved in this period", height=height)
    nodes: list[str] = []
    for name in [*edges["source"], *edges["target"]]:
        if name not in nodes:
            nodes.append(name)
    hubs = {INCOME_HUB, OUTSIDE_HUB}
    color_of = {INCOME_HUB: INCOME_COLOR, OUTSIDE_HUB: category_color(OUTSIDE_HUB)}
    for row in edges.to_dict("records"):
        other = row["source"] if row["target"] in hubs else row["target"]
        color_of[str(other)] = INCOME_COLOR if row["kind"] == "income" else category_color(str(row["category"]))
    index = {name: i for i, name in enumerate(nodes)}
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",.2f",
            valuesuffix=f" {plotly_text(currency)}",
            node={
                "label": [plotly_text(n) for n in nodes],
                "color": [color_of.get(n, NEUTRAL_COLOR) for n in nodes],
                "pad": 14,
                "thickness": 16,
                "line": {"width": 0},
            },
            link={
                "source": [index[s] for s in edges["source"]],
                "target": [index[t] for t in edges["target"]],
                "value": edges["amount"],
                "color": [
                    _alpha(color_of.get(t if s in hubs else s, NEUTRAL_COLOR), 0.35)
                    for s, t in zip(edges["source"], edges["target"], strict=True)
                ],
            },
        )
    )
    return _style(fig, height=height, legend=False)


# -- categories ------------------------------------------------------------------------------


def category_treemap(frame: pd.DataFrame, currency: str, *, height: int = 460) -> go.Figure:
    """Spending as nested boxes, primary -> detailed. Click a box to see its transactions."""
    positive = frame[frame["spending"] > 0]
    if positive.empty:
        return empty("No spending in this period", height=height)
    primaries = positive.groupby("category_primary", sort=False)["spending"].sum()
    ids = list(primaries.index) + list(positive["category_detailed"])
    labels = [plotly_text(label(p)) for p in primaries.index] + [
        plotly_text(label(d, p))
        for p, d in zip(positive["category_primary"], positive["category_detailed"], strict=True)
    ]
    parents = [""] * len(primaries) + list(positive["category_primary"])
    values = list(primaries.values) + list(positive["spending"])
    colors = [category_color(p) for p in primaries.index] + [
        _tint(category_color(p), 0.25 + 0.3 * (i % 3) / 2) for i, p in enumerate(positive["category_primary"])
    ]
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            labels=labels,
            parents=parents,
            values=values,
            branchvalues="total",
            marker={"colors": colors, "line": {"width": 1, "color": "#FFFFFF"}},
            texttemplate="<b>%{label}</b><br>%{value:,.0f}",
            textposition="top left",
            hovertemplate=f"<b>%{{label}}</b><br>{_hover_money(currency, 'value')}<br>"
            "%{percentRoot:.1%} of spending<extra></extra>",
            pathbar={"visible": True},
        )
    )
    fig.update_layout(uniformtext={"minsize": 11, "mode": "hide"})
    return _style(fig, height=height, legend=False)


def categories_over_time(frame: pd.DataFrame, currency: str, interval: Interval, *, height: int = 380) -> go.Figure:
    """Spending per period stacked by primary category (largest at the bottom)."""
    if frame.empty:
        return empty("No spending in this period")
    fig = go.Figure()
    order = frame.groupby("category_primary")["spending"].sum().sort_values(ascending=False).index
    for category in order:
        rows = frame[frame["category_primary"] == category]
        fig.add_bar(
            x=rows["period"],
            y=rows["spending"],
            name=plotly_text(label(category)),
            marker_color=category_color(category),
            hovertemplate=f"{plotly_text(label(category))} {_hover_money(currency)}<extra></extra>",
        )
    fig.update_layout(barmode="relative", bargap=0.2, hovermode="x unified")
    fig.update_xaxes(tickformat=INTERVAL_TICKS[interval], hoverformat=INTERVAL_TICKS[interval])
    fig.update_yaxes(**_affixes(currency))
    return _style(fig, height=height)


def spending_by_category(frame: pd.DataFrame, currency: str, *, top: int = 8, height: int = 320) -> go.Figure:
    """Horizontal bars of the largest primary categories."""
    positive = frame[frame["spending"] > 0].head(top).iloc[::-1]
    if positive.empty:
        return empty("No spending in this period", height=height)
    fig = go.Figure(
        go.Bar(
            x=positive["spending"],
            y=[plotly_text(label(c)) for c in positive["category_primary"]],
            orientation="h",
            marker_color=[category_color(c) for c in positive["category_primary"]],
            text=[plotly_text(money(v, currency)) for v in positive["spending"]],
            textposition="auto",
            customdata=positive["category_primary"],
            hovertemplate=f"%{{y}}: {_hover_money(currency, 'x')}<extra></extra>",
        )
    )
    fig.update_xaxes(**_affixes(currency))
    return _style(fig, height=height, legend=False)


def top_merchants(frame: pd.DataFrame, currency: str, *, height: int = 420) -> go.Figure:
    """The merchants with the most spending, colored by their category."""
    if frame.empty:
        return empty("No spending in this period", height=height)
    rows = frame.iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=rows["spending"],
            y=[plotly_text(m) for m in rows["merchant"]],
            orientation="h",
            marker_color=[category_color(c) for c in rows["category_primary"]],
            text=[plotly_text(money(v, currency)) for v in rows["spending"]],
            textposition="auto",
            customdata=rows[["transactions"]].assign(
                category=[plotly_text(label(c)) for c in rows["category_primary"]]
            ),
            hovertemplate=f"<b>%{{y}}</b> · %{{customdata[1]}}<br>{_hover_money(currency, 'x')} in "
            "%{customdata[0]} transactions<extra></extra>",
        )
    )
    fig.update_xaxes(**_affixes(currency))
    return _style(fig, height=height, legend=False)


# -- balances --------------------------------------------------------------------------------


def net_worth(frame: pd.DataFrame, currency: str, *, height: int = 360) -> go.Figure:
    """Net worth over time; days that rely on derived (walked-back) balances are drawn dotted."""
    rows = frame[frame["complete"]] if "complete" in frame else frame
    if len(rows) < 2:
        return empty("Not enough balance history yet: it grows by one point per day of syncing", height=height)
    fig = go.Figure()
    values, is_derived = rows["net_worth"].to_numpy(dtype=float), rows["derived"].to_numpy(dtype=bool)
    for days, part, derived in _split_derived(rows["day"], values, is_derived):
        fig.add_scatter(
            x=days,
            y=part,
            name="Derived from transactions" if derived else "Reported by the bank",
            mode="lines",
            line={"color": NET_COLOR, "width": 2 if derived else 2.5, "dash": "dot" if derived else None},
            hovertemplate=f"{_hover_money(currency)}{' (derived)' if derived else ''}<extra></extra>",
        )
    fig.update_yaxes(**_affixes(currency))
    fig.update_layout(hovermode="x unified")
    return _style(fig, height=height)


def account_history(frame: pd.DataFrame, currency: str, *, height: int = 380) -> go.Figure:
    """One line per account, dotted where balances are derived (as in net worth); debts count negative."""
    if frame.empty:
        return empty("No balance history for these accounts", height=height)
    fig = go.Figure()
    for i, (account, rows) in enumerate(frame.groupby("account", sort=True)):
        liability = rows["type"].iloc[0] in ("credit", "loan")
        values = (-rows["balance"] if liability else rows["balance"]).to_numpy(dtype=float)
        color = _SERIES[i % len(_SERIES)]
        for n, (days, part, derived) in enumerate(_split_derived(rows["day"], values, rows["derived"].to_numpy(bool))):
            fig.add_scatter(
                x=days,
                y=part,
                name=plotly_text(account),
                legendgroup=plotly_text(account),
                showlegend=n == 0,
                mode="lines",
                line={"width": 2, "color": color, "dash": "dot" if derived else None},
                hovertemplate=f"{plotly_text(account)} {_hover_money(currency)}<extra></extra>",
            )
    fig.update_yaxes(**_affixes(currency))
    fig.update_layout(hovermode="x unified")
    return _style(fig, height=height)


def _split_derived(
    days: pd.Series, values: np.ndarray, is_derived: np.ndarray
) -> list[tuple[pd.Series, np.ndarray, bool]]:
    """The (days, values, derived) runs of one series: derived days (dotted) and observed ones (solid).

    Each run is the stretch from its first to its last day of that kind, with the other kind blanked inside,
    so the two lines meet (a derived run reaches the next observed day) and no point is sent twice over.
    """
    runs = []
    for derived in (True, False):
        mine = is_derived if derived else ~is_derived
        if not mine.any():
            continue
        first, last = int(np.argmax(mine)), len(mine) - 1 - int(np.argmax(mine[::-1]))
        if derived and last + 1 < len(mine):
            last += 1  # reach the first observed day after the derived stretch
        part = np.where(mine, values, np.nan)[first : last + 1]
        if derived and not is_derived[last]:
            part[-1] = values[last]
        runs.append((days.iloc[first : last + 1], part, derived))
    return runs


def assets_and_liabilities(frame: pd.DataFrame, currency: str, *, height: int | None = None) -> go.Figure:
    """Each account's balance: assets to the right, debts to the left."""
    if frame.empty:
        return empty("No accounts in this currency")
    rows = frame.sort_values("net_balance")
    labels = [plotly_text(f"{n} ••{m}" if m else n) for n, m in zip(rows["name"], rows["mask"], strict=True)]
    low, high = float(min(rows["net_balance"].min(), 0)), float(max(rows["net_balance"].max(), 0))
    pad = (high - low) * 0.28 or 1.0
    fig = go.Figure(
        go.Bar(
            x=rows["net_balance"],
            y=labels,
            orientation="h",
            marker_color=[ASSET_COLOR if s == "asset" else LIABILITY_COLOR for s in rows["side"]],
            text=[plotly_text(money(v, currency)) for v in rows["net_balance"]],
            textposition="outside",
            cliponaxis=False,
            customdata=[[plotly_text(i)] for i in rows["institution"]],
            hovertemplate=f"<b>%{{y}}</b> · %{{customdata[0]}}<br>{_hover_money(currency, 'x')}<extra></extra>",
        )
    )
    fig.update_xaxes(**_affixes(currency), range=[low - (pad if low < 0 else 0), high + pad])
    return _style(fig, height=height or max(220, 60 + 34 * len(rows)), legend=False)


def credit_utilization(frame: pd.DataFrame, *, height: int | None = None) -> go.Figure:
    """Balance over limit per card and for all cards, against the 30% rule of thumb."""
    if frame.empty:
        return empty("No credit cards with a limit")
    rows = frame.iloc[::-1]
    colors = [SPENDING_COLOR if u > 0.3 else INCOME_COLOR for u in rows["utilization"]]
    fig = go.Figure(
        go.Bar(
            x=rows["utilization"],
            y=[plotly_text(a) for a in rows["account"]],
            orientation="h",
            marker_color=colors,
            text=[f"{u:.0%}" for u in rows["utilization"]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="<b>%{y}</b>: %{x:.1%} of the limit<extra></extra>",
        )
    )
    fig.add_vline(x=0.3, line_dash="dash", line_color="#6B7280")
    fig.update_xaxes(
        tickformat=".0%", range=[0, max(1.0, float(rows["utilization"].max()) * 1.15)], tickvals=[0, 0.3, 0.5, 1.0]
    )
    return _style(fig, height=height or max(200, 70 + 40 * len(rows)), legend=False)


# -- SQL page --------------------------------------------------------------------------------


def query_chart(data: ChartData, *, height: int = 420) -> go.Figure:
    """The chart of a query result, one trace per series, from core.workbench.chart.chart_data.

    Bars of several series sit side by side and areas are not stacked: the series may be amounts in
    different currencies, which are never drawn as one sum.
    """
    spec, frame = data.spec, data.frame
    if frame.empty:
        return empty("Nothing to draw: the result has no rows", height=height)
    fig = go.Figure()
    many = frame["series"].notna().any()
    groups = frame.groupby("series", sort=False, dropna=False) if many else [(None, frame)]
    for index, (name, rows) in enumerate(groups):
        color = _SERIES[index % len(_SERIES)]
        x = [plotly_text(v) if isinstance(v, str) else v for v in rows["x"]]
        y = [None if v is None or pd.isna(v) else float(v) for v in rows["y"]]
        common = {"x": x, "y": y, "name": plotly_text(name) if name is not None else spec.y or "rows",
                  "hovertemplate": "%{x}<br>%{y:,}<extra>%{fullData.name}</extra>"}  # fmt: skip
        if spec.kind == "bar":
            fig.add_trace(go.Bar(marker_color=color, **common))
        elif spec.kind == "scatter":
            fig.add_trace(go.Scatter(mode="markers", marker={"color": color, "opacity": 0.7}, **common))
        else:
            fill = "tozeroy" if spec.kind == "area" else None
            mode = "lines+markers" if len(rows) <= 60 else "lines"
            fig.add_trace(go.Scatter(mode=mode, line={"color": color}, fill=fill, **common))
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text=plotly_text(spec.x))
    fig.update_yaxes(title_text=plotly_text(data.y_label))
    return _style(fig, height=height, legend=bool(many))


_SERIES = ("#2563EB", "#F97316", "#14B8A6", "#8B5CF6", "#EC4899", "#F59E0B", "#0EA5E9", "#84CC16", "#64748B", "#DC2626")


def _tint(hex_color: str, amount: float) -> str:
    """Mix a color with white; amount 0 keeps it, 1 gives white."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c + (255 - c) * amount):02X}" for c in (r, g, b))


def _alpha(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


# -- recurring and forecast ------------------------------------------------------------------

KIND_COLORS = {"income": INCOME_COLOR, "bill": "#0EA5E9", "subscription": SPENDING_COLOR, "transfer": NEUTRAL_COLOR}
KIND_LABELS = {"income": "Income", "bill": "Bills", "subscription": "Subscriptions", "transfer": "Transfers"}


def recurring_calendar(frame: pd.DataFrame, currency: str, *, height: int = 360) -> go.Figure:
    """The next days' expected stream occurrences: money in up, money out down, one color per kind."""
    if frame.empty:
        return empty("Nothing recurring is expected in the next 30 days", height=height)
    fig = go.Figure()
    for kind, rows in frame.groupby("kind", sort=False):
        sign = [1.0 if d == "inflow" else -1.0 for d in rows["direction"]]
        fig.add_bar(
            x=rows["date"],
            y=rows["amount"] * sign,
            name=KIND_LABELS.get(str(kind), str(kind)),
            marker_color=KIND_COLORS.get(str(kind), NEUTRAL_COLOR),
            customdata=list(zip([plotly_text(m) for m in rows["merchant"]], rows["amount"], strict=True)),
            hovertemplate=f"<b>%{{customdata[0]}}</b><br>{_hover_money(currency, 'customdata[1]')} · %{{x|%a %b %d}}"
            "<extra></extra>",
        )
    fig.update_layout(barmode="relative", bargap=0.2)
    fig.update_xaxes(tickformat="%b %d", dtick=7 * 24 * 3600 * 1000)
    fig.update_yaxes(**_affixes(currency))
    return _style(fig, height=height)


def forecast(frame: pd.DataFrame, currency: str, *, threshold: float | None = None, height: int = 380) -> go.Figure:
    """One account's (or a currency total's) projected balance with its band, the lowest point called out,
    and the threshold (or zero) it should stay above. Given every account's rows, it draws the total."""
    if frame["account"].nunique() > 1:
        frame = frame[frame["account_id"].isna()]
    if frame.empty:
        return empty("No checking or savings account to project", height=height)
    days = frame["date"]
    fig = go.Figure()
    fig.add_scatter(x=days, y=frame["high"], mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False)
    fig.add_scatter(
        x=days,
        y=frame["low"],
        mode="lines",
        line={"width": 0},
        fill="tonexty",
        fillcolor=_alpha(NET_COLOR, 0.15),
        name="90% range",
        customdata=frame[["high"]],
        hovertemplate=f"range {_hover_money(currency)} – {_hover_money(currency, 'customdata[0]')}<extra></extra>",
    )
    fig.add_scatter(
        x=days,
        y=frame["balance"],
        mode="lines",
        name="Projected balance",
        line={"color": NET_COLOR, "width": 2.5},
        customdata=frame[["recurring"]],
        hovertemplate=f"balance {_hover_money(currency)} (recurring that day "
        f"{_hover_money(currency, 'customdata[0]')})<extra></extra>",
    )
    low = frame.iloc[int(frame["balance"].to_numpy().argmin())]
    floor = threshold if threshold else 0.0
    bottom, top = float(frame["low"].min()), float(frame["high"].max())
    if threshold or floor >= bottom - 0.25 * (top - bottom):  # zero only when the balance comes near it
        fig.add_hline(y=floor, line_dash="dash", line_color=SPENDING_COLOR if threshold else "#94A3B8")
        fig.add_annotation(
            x=days.iloc[0], y=floor, text=f"warn below {money(floor, currency)}" if threshold else "zero",
            showarrow=False, xanchor="left", yanchor="bottom", font={"size": 11, "color": "#6B7280"},
        )  # fmt: skip
    fig.add_scatter(
        x=[low["date"]],
        y=[low["balance"]],
        mode="markers+text",
        name="Lowest",
        marker={"color": SPENDING_COLOR if low["balance"] < floor else NET_COLOR, "size": 11, "symbol": "diamond"},
        text=[f"lowest {money(float(low['balance']), currency)} on {low['date']:%b %d}"],
        textposition="bottom center",
        hoverinfo="skip",
        showlegend=False,
    )
    fig.update_xaxes(tickformat="%b %d")
    fig.update_yaxes(**_affixes(currency))
    fig.update_layout(hovermode="x unified")
    return _style(fig, height=height)
