"""Text from banks, webhooks and people, made safe for the place it is shown: escaped for Markdown
(every Streamlit element that renders it), for Plotly labels and templates, and stripped of control
characters for terminals and logs. Escape at the sink, for the sink's language: the stored text
stays exactly what the bank sent. Spreadsheets have their own rule in core/spreadsheet.py.

Standard library only: `finboard` imports this at start-up.
"""

from __future__ import annotations

import logging
import re

# Characters that change how text around them is drawn or read: C0/C1 controls (escape sequences,
# bell, backspace, newlines) and Unicode's bidirectional formatting characters (a right-to-left
# override makes "txt.exe" read "exe.txt").
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_LINE_BREAKS = "\t\n\v\f\r\x85\u2028\u2029"
_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029]")
_SPACES = re.compile(f"[{_LINE_BREAKS}]+")

# Markdown: a backslash escapes each punctuation character that can start Markdown or Streamlit
# syntax on one line (emphasis, links and images, HTML, code, math, tables, headings and lists,
# :red[...] directives); "1." at the start stays a number, not a list. Streamlit then rewrites some
# plain text itself (":smile:" emoji, ":streamlit:" and ":material/x:" icons, bare URLs, "www." and
# e-mail addresses become links, " -> " an arrow): an invisible word joiner breaks each of those
# patterns without changing what a person reads.
_MARKDOWN_SYNTAX = re.compile(r"([\\`*_~\[\]()<>&$:#+\-|{}])")
_ORDERED_LIST = re.compile(r"^(\d+)\.")
WORD_JOINER = "\u2060"
_TEXT_PATTERNS = re.compile(
    r"(?<=:)(?=[\w/\\])"  # :shortcode:, :+1:, :material/icon:, http:// (not "synced: 3")
    r"|(?<=@)"  # name@example.com
    r"|(?<=www)(?=\.)"  # www.example.com
    r"|(?<=[-<>~])(?=\\?[-<>=])",  # ->, <-, --, >=, <=, ~= (the first character is escaped by then)
    re.IGNORECASE,
)

# Plotly draws a subset of HTML in every label (<a href>, <img> is not drawn, <b>, <br>) and
# substitutes %{...} in templates; it decodes character references after both.
_PLOTLY = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "%": "&#37;"})


def one_line(text: object) -> str:
    """`text` without control or bidirectional-formatting characters; line breaks and tabs become spaces."""
    return _CONTROL.sub("", _SPACES.sub(" ", str(text)))


def markdown_text(text: object) -> str:
    """`text` for a Streamlit element that renders Markdown (markdown, caption, labels, toasts, alerts):
    shown exactly as written, never as formatting, a link, an image or an icon."""
    escaped = _ORDERED_LIST.sub(r"\1\\.", _MARKDOWN_SYNTAX.sub(r"\\\1", one_line(text)))
    return _TEXT_PATTERNS.sub(WORD_JOINER, escaped)


def code_span(text: object, limit: int = 60) -> str:
    """`text` as Markdown inline code, e.g. a URL parameter quoted in a warning: one line, at most `limit`
    characters, and no backtick inside that could end the span early."""
    clean = one_line(text).replace("`", "'")
    clean = clean if len(clean) <= limit else clean[: limit - 1] + "…"
    return f"`{clean}`"


def plotly_text(text: object) -> str:
    """`text` for a Plotly label, axis category, legend name, title or hover template: no markup, no %{...}."""
    return one_line(text).translate(_PLOTLY)


def printable(text: object) -> str:
    """`text` for a terminal or a log line: one line, no escape sequences or other control characters."""
    return one_line(text)


class PrintableFormatter(logging.Formatter):
    """Log lines whose message (with its arguments, e.g. a webhook's claimed fields) cannot move the cursor,
    change colours or forge a second line. A traceback, written by Finboard's own code, keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = printable(record.message)
        return super().formatMessage(record)


def configure_logging(level: str = "WARNING") -> None:
    """Send log records to stderr through PrintableFormatter (once per process)."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, PrintableFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(PrintableFormatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
