"""The report bundle of the demo bank (First Platypus Bank, `user_good`, emulator seed 0) ships plotly.js once,
beside the charts that load it from a relative path (it opens offline, no CDN), and stays under 10 MB with its
PNGs (issue 13: it was about 50 MB with a copy of plotly.js in each chart)."""

from __future__ import annotations

import re
import zipfile
from datetime import date

from core import cli, export
from tests.unit.sync_emulated import demo_bank

DEMO_DAY = date(2026, 12, 5)
MAX_BYTES = 10 * 1024 * 1024
PLOTLY_JS_HEADER = re.compile(rb"\* plotly\.js v\d")  # the banner at the top of plotly.min.js


def test_the_demo_banks_bundle_ships_plotly_js_once_and_stays_under_10_mb(tmp_path, monkeypatch):
    db = demo_bank(tmp_path / "demo.duckdb", DEMO_DAY)
    monkeypatch.setenv("FINBOARD_DB", str(db))
    out = tmp_path / "report.zip"
    images = export.chromium_path() is not None  # the PNGs count when this machine can draw them
    assert cli.main(["export", "bundle", "--period", "last_12_months", "--out", str(out),
                     *([] if images else ["--no-images"])]) == 0  # fmt: skip
    size = out.stat().st_size
    print(f"demo bank bundle: {size:,} bytes ({'with' if images else 'without'} PNGs)")
    assert size < MAX_BYTES
    with zipfile.ZipFile(out) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    with_plotly = [name for name, body in files.items() if PLOTLY_JS_HEADER.search(body)]
    assert with_plotly == ["charts/plotly.min.js"]
    pages = [name for name in files if name.endswith(".html")]
    assert len(pages) >= 10
    for name in pages:
        assert b'<script charset="utf-8" src="plotly.min.js"></script>' in files[name], name
        assert b"cdn.plot.ly" not in files[name] and b"https://" not in files[name].split(b"</head>")[0]
    assert all(name.replace(".html", ".png") in files for name in pages) or not images
