"""`finboard sync` progress: a redrawn bar on a terminal, one plain line per phase in a log."""

import io

from core.cli import SyncProgressPrinter
from core.sync import SyncProgress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def run(printer, item_count=2):
    for index, name in enumerate(["Bank A", "Bank B"][:item_count], start=1):
        p = SyncProgress(f"item-{index}", name, item_index=index, item_count=item_count)
        for phase, pages in [("fetching", 0), ("fetching", 1), ("fetching", 2), ("applying", 2), ("done", 2)]:
            p.phase, p.pages, p.transactions = phase, pages, pages * 500
            printer(p)
    printer.finish()


def test_a_log_gets_one_line_per_phase_and_no_control_characters():
    log = io.StringIO()
    run(SyncProgressPrinter(log))
    lines = log.getvalue().splitlines()
    assert lines == [
        "[1/2] Bank A: reading from the bank",
        "[1/2] Bank A: saving (2 pages, 1,000 changes)",
        "[1/2] Bank A: done (2 pages, 1,000 changes)",
        "[2/2] Bank B: reading from the bank",
        "[2/2] Bank B: saving (2 pages, 1,000 changes)",
        "[2/2] Bank B: done (2 pages, 1,000 changes)",
    ]
    assert "\r" not in log.getvalue() and "\x1b" not in log.getvalue()


def test_a_terminal_gets_one_redrawn_bar_cleared_at_the_end():
    tty = Terminal()
    run(SyncProgressPrinter(tty))
    out = tty.getvalue()
    assert "\n" not in out
    frames = [f for f in out.split("\r\x1b[K") if f]
    assert frames[0].startswith("[--------------------] 1/2 Bank A: reading from the bank")
    assert "[##########----------] 1/2 Bank A: done, 2 pages, 1,000 changes" in frames
    assert frames[-1] == "[####################] 2/2 Bank B: done, 2 pages, 1,000 changes"
    assert out.endswith("\r\x1b[K")
