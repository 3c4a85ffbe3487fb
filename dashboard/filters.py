"""The sidebar filters every analytics page shares, kept in the URL so a copied link reproduces
the view, and saved views.

The URL is the source of truth when it changes from outside (a pasted link, a reload, a saved
view's link); otherwise the widgets are, and each run writes their state back to the URL.
Switching pages clears the URL and gives each page its own widgets, so the last values are also
kept in the session and put back into the new page's widgets. Parameters that cannot be used
are dropped from the URL with a visible warning.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import streamlit as st

from core.analytics.categories import full_label
from core.analytics.choices import FilterChoices
from core.analytics.filters import (
    FILTER_KEYS,
    MAX_MERCHANT_TEXT,
    PERIOD_LABELS,
    PERIODS,
    Filters,
    parse_query,
    parse_query_string,
)
from core.analytics.saved_views import delete_view, save_view
from core.errors import FinboardError
from dashboard import data
from dashboard.context import workspace

T = TypeVar("T", bound=str)

_LAST_FILTERS = "_fb_filters"  # the filters of the last run, kept across page switches
_WRITTEN = "_fb_written"  # the filter parameters this session last wrote to the URL
_PAGE, _PAGE_CHANGED = "_fb_page", "_fb_page_changed"  # which page ran last; whether this run switched
_W = {
    name: f"f_{name}"
    for name in (
        "period",
        "range",
        "currency",
        "accounts",
        "categories",
        "merchant",
        "min",
        "max",
        "pending",
        "transfers",
    )
}
IMAGE_FORMATS = {"png": "PNG", "svg": "SVG"}
SHARED_KEYS = ("image",)  # URL parameters every page understands besides the filters


def sidebar_filters(page: str, page_keys: Sequence[str] = ()) -> Filters:
    """Render the filters in the sidebar and return them; the currency is always set when data exists."""
    st.session_state[_PAGE_CHANGED] = st.session_state.get(_PAGE) != page
    st.session_state[_PAGE] = page
    src = data.source()
    choices = data.choices(src)
    url = {key: st.query_params.get_all(key) for key in st.query_params}
    ours = {key: values for key, values in url.items() if key in FILTER_KEYS}
    problems: list[str] = []
    if ours != st.session_state.get(_WRITTEN) and (ours or _WRITTEN not in st.session_state):
        parsed = parse_query(ours, choices.known())
        problems += parsed.problems
        _seed(parsed.filters, choices, only_missing=False)
    else:
        last = st.session_state.get(_LAST_FILTERS, Filters())
        _seed(last, choices, only_missing=not st.session_state[_PAGE_CHANGED])
    for key in url:
        if key not in FILTER_KEYS and key not in page_keys and key not in SHARED_KEYS:
            problems.append(f"`{key}` is not a setting of this page.")
            del st.query_params[key]
    if problems:
        st.warning(
            "Some settings in the address were ignored:\n\n" + "\n".join(f"- {p}" for p in problems),
            icon=":material/link_off:",
        )

    filters = _render(choices)
    st.session_state[_LAST_FILTERS] = filters
    wanted = filters.to_query()
    sync_url(wanted, FILTER_KEYS)
    st.session_state[_WRITTEN] = wanted
    _saved_views(filters)
    image_format()
    return filters


def sync_url(wanted: Mapping[str, list[str]], keys: Sequence[str]) -> None:
    """Make the URL's `keys` say `wanted` (absent keys removed), touching only what differs."""
    for key in keys:
        want, have = wanted.get(key, []), st.query_params.get_all(key)
        if want == have:
            continue
        if want:
            st.query_params[key] = want if len(want) > 1 else want[0]
        else:
            del st.query_params[key]


def url_state(key: str, parse: Callable[[str], object | None], default: object, *, problem: str) -> str:
    """Seed the widget state `u_<key>` from the URL parameter `key` when the URL changed from outside.

    `parse` turns the parameter into the widget's value, or None when it is unusable: then the
    default is used and a warning says `problem`. Returns the widget's state key.
    """
    state, written, last = f"u_{key}", f"_u_{key}", f"_u_last_{key}"
    raw = st.query_params.get_all(key)
    if raw and raw != st.session_state.get(written):
        value = parse(raw[0])
        if value is None:
            st.warning(f"`{key}={raw[0]}` {problem}", icon=":material/link_off:")
            value = default
        st.session_state[state] = value
    elif st.session_state.get(_PAGE_CHANGED) or state not in st.session_state:
        st.session_state[state] = st.session_state.get(last, default)
    return state


def url_write(key: str, value: str | None) -> None:
    """Put a page setting in the URL (None or "" removes it) after its widget rendered, and remember
    the widget's value for the next page."""
    want = [value] if value else []
    sync_url({key: want}, [key])
    st.session_state[f"_u_{key}"] = want
    st.session_state[f"_u_last_{key}"] = st.session_state.get(f"u_{key}")


def url_choice(
    key: str,
    options: Mapping[T, str],
    default: T,
    *,
    label: str,
    container: object = None,
    help: str | None = None,
) -> T:
    """A segmented control whose value lives in the URL parameter `key` (left out when default)."""
    choices = ", ".join(options)
    state = url_state(key, lambda raw: raw if raw in options else None, default, problem=f"is not one of {choices}.")
    if st.session_state.get(state) not in options:
        st.session_state[state] = default
    host: Any = container if container is not None else st
    value: T = host.segmented_control(
        label, list(options), format_func=options.__getitem__, key=state, required=True, help=help
    )
    url_write(key, None if value == default else value)
    return value


def image_format() -> str:
    """Render the sidebar's choice of what the charts' camera button downloads (png or svg)."""
    return url_choice(
        "image",
        IMAGE_FORMATS,
        "png",
        label="Chart download format",
        container=st.sidebar,
        help="What the camera button on each chart downloads.",
    )


# -- widgets ---------------------------------------------------------------------------------


def _seed(filters: Filters, choices: FilterChoices, *, only_missing: bool) -> None:
    """Put `filters` into the widgets' session state (before they render)."""
    today = date.today()
    start, end = filters.start, filters.end
    values: dict[str, object] = {
        "period": filters.period,
        "range": (start or today - timedelta(days=29), end or today),
        "currency": filters.currency or choices.default_currency,
        "accounts": list(filters.accounts),
        "categories": list(filters.categories),
        "merchant": filters.merchant,
        "min": float(filters.min_amount) if filters.min_amount is not None else None,
        "max": float(filters.max_amount) if filters.max_amount is not None else None,
        "pending": filters.include_pending,
        "transfers": filters.include_transfers,
    }
    for name, value in values.items():
        if not only_missing or _W[name] not in st.session_state:
            st.session_state[_W[name]] = value
    if st.session_state.get(_W["currency"]) not in choices.currencies:
        st.session_state[_W["currency"]] = choices.default_currency


def _render(choices: FilterChoices) -> Filters:
    sb = st.sidebar
    sb.subheader("Filters")
    period = sb.selectbox("Period", PERIODS, format_func=PERIOD_LABELS.__getitem__, key=_W["period"])
    start = end = None
    if period == "custom":
        picked = sb.date_input("From – to", key=_W["range"], format="YYYY-MM-DD")
        dates = list(picked) if isinstance(picked, tuple | list) else [picked]
        start = dates[0] if dates else None
        end = dates[1] if len(dates) > 1 else None
    currency = choices.default_currency
    if len(choices.currencies) > 1:
        currency = sb.selectbox(
            "Currency",
            choices.currencies,
            key=_W["currency"],
            help="Amounts in different currencies are never added up.",
        )
    accounts = {a.account_id: a.label for a in choices.accounts}
    picked_accounts = sb.multiselect(
        "Accounts", list(accounts), format_func=accounts.__getitem__, key=_W["accounts"], placeholder="All accounts"
    )
    names = {detailed or primary: full_label(primary, detailed) for primary, detailed in choices.categories}
    picked_categories = sb.multiselect(
        "Categories", list(names), format_func=names.__getitem__, key=_W["categories"], placeholder="All categories"
    )
    merchant = sb.text_input("Merchant or name contains", key=_W["merchant"], max_chars=MAX_MERCHANT_TEXT)
    low_col, high_col = sb.columns(2)
    low = low_col.number_input("Min amount", min_value=0.0, value=None, step=10.0, format="%.2f", key=_W["min"])
    high = high_col.number_input("Max amount", min_value=0.0, value=None, step=10.0, format="%.2f", key=_W["max"])
    if low is not None and high is not None and low > high:
        sb.caption(":orange[Min is above max: the two were swapped.]")
        low, high = high, low
    pending = sb.toggle("Include pending", key=_W["pending"])
    transfers = sb.toggle(
        "Show transfers",
        key=_W["transfers"],
        help="List transfers (between your own accounts, card payments included, and to or from accounts "
        "outside Finboard) among the transactions and as categories of their own. Income, spending and net "
        "never count them; transfers to and from outside have their own figures on Overview and Cash flow.",
    )
    sb.button("Reset filters", icon=":material/restart_alt:", on_click=_reset, args=(choices,), type="tertiary")
    return Filters(
        period=period,
        start=start if period == "custom" else None,
        end=end if period == "custom" else None,
        accounts=tuple(picked_accounts),
        categories=tuple(picked_categories),
        merchant=" ".join(merchant.split()),
        min_amount=_decimal(low),
        max_amount=_decimal(high),
        include_pending=pending,
        include_transfers=transfers,
        currency=currency,
    )


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2))).quantize(Decimal("0.01"))


def _reset(choices: FilterChoices) -> None:
    _seed(Filters(), choices, only_missing=False)


# -- saved views -----------------------------------------------------------------------------


def _saved_views(filters: Filters) -> None:
    src = data.source()
    views = data.views(src)
    for problem in st.session_state.pop("_fb_view_problems", ()):
        st.sidebar.warning(problem)
    with st.sidebar.expander("Saved views", icon=":material/bookmarks:", expanded=bool(views)):
        for view in views:
            open_col, delete_col = st.columns([6, 1], vertical_alignment="center")
            open_col.button(
                view.name,
                key=f"view_open_{view.name}",
                on_click=_apply_view,
                args=(view.query,),
                type="tertiary",
                help=view.query or "default filters",
            )
            delete_col.button(
                "",
                icon=":material/close:",
                key=f"view_delete_{view.name}",
                type="tertiary",
                on_click=_delete_view,
                args=(view.name,),
                help=f"Delete “{view.name}”",
            )
        if not views:
            st.caption("Save the current filters under a name to come back to them in one click.")
        name = st.text_input("Name", key="view_name", placeholder="e.g. Food this year", max_chars=60)
        st.button(
            "Save current filters",
            icon=":material/bookmark_add:",
            on_click=_save_view,
            args=(name, filters),
            disabled=not name.strip(),
        )


def _apply_view(query: str) -> None:
    choices = data.choices(data.source())
    parsed = parse_query_string(query, choices.known())
    _seed(parsed.filters, choices, only_missing=False)
    if parsed.problems:
        st.session_state["_fb_view_problems"] = parsed.problems


def _save_view(name: str, filters: Filters) -> None:
    _run_and_refresh(lambda: save_view(workspace().store, name, filters))
    st.session_state["view_name"] = ""


def _delete_view(name: str) -> None:
    _run_and_refresh(lambda: delete_view(workspace().store, name))


def _run_and_refresh(action: Callable[[], object]) -> None:
    try:
        action()
    except FinboardError as e:
        st.session_state["_fb_view_problems"] = (str(e),)
    data.views.clear()
