"""Actions started from the UI that change data, with visible progress."""

from __future__ import annotations

import streamlit as st

from core.errors import FinboardError
from core.items import connect_sandbox
from core.sync import SyncProgress, SyncResult, sync_items
from core.text import markdown_text
from core.workspace import Workspace

DEMO_INSTITUTION = "ins_109508"  # First Platypus Bank in Plaid's sandbox and the emulator


def sync_with_progress(ws: Workspace, item_ids: list[str] | None = None, *, label: str = "Syncing") -> list[SyncResult]:
    """Run a sync inside st.status with a progress bar over the items; returns the per-item results.

    `label` is Markdown: escape a bank's name in it (core.text.markdown_text)."""
    with st.status(f"{label}…", expanded=True) as status:
        bar = st.progress(0.0, text="Starting…")

        def show(p: SyncProgress) -> None:
            done = p.item_index - (0 if p.done else 1)
            counts = f": {p.pages:,} pages, {p.transactions:,} changes" if p.pages else ""
            phase = PHASE_TEXT.get(p.phase, p.phase)
            text = f"{markdown_text(p.institution)} ({p.item_index} of {p.item_count}) {phase}{counts}"
            bar.progress(min(done / max(p.item_count, 1), 1.0), text=text)

        try:
            results = sync_items(ws, item_ids, progress=show)
        except FinboardError as e:  # e.g. a wrong encryption key: no item was touched
            bar.empty()
            status.update(label=f"{label}: not started", state="error")
            st.error(markdown_text(e))
            return [SyncResult("", "", error=str(e))]  # a failure, so callers do not report success
        bar.empty()
        failed = [r for r in results if not r.ok]
        added = sum(r.added for r in results)
        for r in results:
            if r.skipped:
                st.info(f"{markdown_text(r.institution)}: {markdown_text(r.message)}")
            for note in r.notes:
                st.warning(f"{markdown_text(r.institution)}: {markdown_text(note)}")
        if failed:
            status.update(label=f"{label}: {len(failed)} of {len(results)} failed", state="error")
            for r in failed:
                st.error(f"{markdown_text(r.institution)}: {markdown_text(r.error)}")
        else:
            status.update(label=f"{label}: done, {added:,} new transactions", state="complete", expanded=False)
    return results


PHASE_TEXT = {
    "waiting": "is waiting for another sync of it to finish",
    "fetching": "reading from the bank",
    "applying": "saving",
    "done": "done",
    "failed": "failed",
    "skipped": "already syncing elsewhere",
}


def load_demo_bank(ws: Workspace) -> bool:
    """Connect the emulator's First Platypus Bank as user_good and sync it (offline mode only).

    Returns True when the demo data is in; on False the reason is on the page, so the caller must not rerun.
    """
    try:
        with st.spinner("Connecting First Platypus Bank (demo)…"):
            item_id = connect_sandbox(ws, DEMO_INSTITUTION, username="user_good", password="pass_good")  # noqa: S106
    except FinboardError as e:
        st.error(markdown_text(e))
        return False
    return all(r.ok for r in sync_with_progress(ws, [item_id], label="Loading demo data"))
