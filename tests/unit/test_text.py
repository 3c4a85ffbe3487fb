"""Text from banks, webhooks and people, escaped for where it is shown (core/text.py). What a browser
makes of the escaped text is checked in tests/e2e/test_hostile_bank.py; here, the rules themselves."""

from __future__ import annotations

import io
import logging
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.emulator import hostile
from core.text import (
    WORD_JOINER,
    PrintableFormatter,
    code_span,
    markdown_text,
    one_line,
    plotly_text,
    printable,
)

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def unescaped(text: str) -> str:
    """What a Markdown renderer shows for markdown_text's output: backslash escapes and word joiners removed."""
    return re.sub(r"\\(.)", r"\1", text).replace(WORD_JOINER, "")


@given(st.text())
def test_markdown_text_shows_the_same_words_on_one_line(text):
    escaped = markdown_text(text)
    assert unescaped(escaped) == one_line(text)
    assert not CONTROL.search(escaped)


@pytest.mark.parametrize("text", hostile.EVERY_NAME)
def test_no_markdown_syntax_survives(text):
    escaped = markdown_text(text)
    unescaped_syntax = re.compile(r"(?<!\\)[\[\]()<>`*_~$|#&{}]|(?<!\\):(?!\u2060)")
    assert not unescaped_syntax.search(escaped), escaped
    assert not re.search(r"https?:/", escaped) and not re.search(r"(?i)www\.", escaped) and "@e" not in escaped
    assert not re.match(r"\d+\.", markdown_text("2024. A list?"))


def test_markdown_text_leaves_ordinary_names_alone():
    for name in ("First Platypus Bank", "Whole Foods", "Card ••3333", "Food and drink › Coffee", "Café, Inc."):
        assert markdown_text(name) == name


def test_code_span_cannot_be_closed_early():
    assert code_span("page=`x` **b**") == "`page='x' **b**`"
    assert code_span("x" * 100) == "`" + "x" * 59 + "…`"
    assert code_span("a\nb\x1b[2J") == "`a b[2J`"


@given(st.text())
def test_plotly_text_has_no_markup_or_template(text):
    escaped = plotly_text(text)
    assert not set(escaped) & set("<>%") and not CONTROL.search(escaped)
    entities = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&#37;": "%"}
    assert re.sub("|".join(entities), lambda m: entities[m[0]], escaped) == one_line(text)


def test_printable_is_one_line_without_escape_sequences():
    assert printable("\x1b[31mRED\x1b[0m\x07 a\nb\r\nc\u202eevil") == "[31mRED[0m a b cevil"


def test_log_lines_carry_no_control_characters():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(PrintableFormatter("%(levelname)s %(message)s"))
    log = logging.getLogger("tests.text")
    log.addHandler(handler)
    try:
        log.warning("webhook %s/%s", "TRANSACTIONS\x1b[2J", "FORGED\nWARNING fake second line")
    finally:
        log.removeHandler(handler)
    assert stream.getvalue() == "WARNING webhook TRANSACTIONS[2J/FORGED WARNING fake second line\n"
