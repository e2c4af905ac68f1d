"""Renderers of the pre-visit brief: `render(brief, format)` gives the text, markdown, HTML, JSON or PDF.

page.py writes the brief in words (every time in the site's zone); text.py lays it out as 80-column text
and as Markdown; html.py as a printable HTML file and, through WeasyPrint, as PDF. JSON is the brief's
data itself (schemas/brief.schema.json), datetimes in UTC.
"""

from __future__ import annotations

from fsmkit.brief import Brief
from fsmkit.model import to_json
from fsmkit.render import html, text
from fsmkit.render.page import page

FORMATS = ("text", "markdown", "html", "json", "pdf")


def render(brief: Brief, format: str) -> str | bytes:
    """The brief in `format` (one of FORMATS): str for the text formats, bytes for pdf."""
    if format == "json":
        return to_json(brief, indent=True).decode() + "\n"
    words = page(brief)
    if format == "text":
        return text.text(words)
    if format == "markdown":
        return text.markdown(words)
    document = html.html(words)
    return html.pdf(document) if format == "pdf" else document
