"""Actions started from the UI that change data, with visible progress."""

from __future__ import annotations

import streamlit as st

from core.errors import FinboardError
from core.items import connect_sandbox
from core.sync import SyncProgress, SyncResult, sync_items
from core.workspace import Workspace

DEMO_INSTITUTION = "ins_109508"  # First Platypus Bank in Plaid's sandbox and the emulator


def sync_with_progress(ws: Workspace, item_ids: list[str] | None = None, *, label: str = "Syncing") -> list[SyncResult]:
    """Run a sync inside st.status with a progress line; returns the per-item results."""
    with st.status(f"{label}…", expanded=True) as status:
        line = st.empty()

        def show(p: SyncProgress) -> None:
            line.write(f"{p.institution}: {p.pages} pages, {p.transactions:,} transactions")

        results = sync_items(ws, item_ids, progress=show)
        failed = [r for r in results if not r.ok]
        added = sum(r.added for r in results)
        if failed:
            status.update(label=f"{label}: {len(failed)} of {len(results)} failed", state="error")
            for r in failed:
                st.error(f"{r.institution}: {r.error}")
        else:
            status.update(label=f"{label}: done, {added:,} new transactions", state="complete", expanded=False)
    return results


def load_demo_bank(ws: Workspace) -> bool:
    """Connect the emulator's First Platypus Bank as user_good and sync it (offline mode only).

    Returns True when the demo data is in; on False the reason is on the page, so the caller must not rerun.
    """
    try:
        with st.spinner("Connecting First Platypus Bank (demo)…"):
            item_id = connect_sandbox(ws, DEMO_INSTITUTION, username="user_good", password="pass_good")  # noqa: S106
    except FinboardError as e:
        st.error(str(e))
        return False
    return all(r.ok for r in sync_with_progress(ws, [item_id], label="Loading demo data"))
