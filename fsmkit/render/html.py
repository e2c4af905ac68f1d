"""A brief's `Page` as one self-contained HTML file (inline CSS, no external requests), and as PDF.

The print stylesheet fits the page box that A4 and Letter share (A4's width, Letter's height), so the
same file prints on one or two pages whichever paper the technician's printer holds; the test suite
prints it with headless Chromium and counts the pages. PDF is that HTML laid out by WeasyPrint, an
optional extra (`pip install 'fsmkit[pdf]'`, which needs Pango from the system's packages).
"""

from __future__ import annotations

from html import escape

from fsmkit.errors import InputError
from fsmkit.render.page import Alert, Block, Facts, Items, Page, Para

PDF_MISSING = (
    "PDF output needs the pdf extra: pip install 'fsmkit[pdf]' (and its system libraries, see README)"
)

STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { font: 9pt/1.3 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #111; background: #fff; }
body { margin: 0 auto; max-width: 46em; padding: 1.5em 1em; }
h1 { font-size: 14pt; margin: 0; }
.subtitle { margin: 0.2em 0 0.6em; color: #444; }
h2 { font-size: 10pt; text-transform: uppercase; letter-spacing: 0.05em; margin: 0.9em 0 0.3em;
     padding-bottom: 0.1em; border-bottom: 1.5pt solid #222; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 9pt; margin: 0.5em 0 0.1em; break-after: avoid; page-break-after: avoid; }
p { margin: 0.25em 0; }
p.strong { font-weight: bold; font-size: 10pt; }
.alert { margin: 0.3em 0; padding: 0.2em 0.5em; border-left: 3pt solid #b00020; background: #fdecee;
         font-weight: bold; }
table { border-collapse: collapse; width: 100%; }
table.facts th { text-align: left; vertical-align: top; white-space: nowrap; width: 7.5em;
                 padding: 0.05em 0.6em 0.05em 0; color: #444; font-weight: normal; }
table.facts td { padding: 0.05em 0; }
td.urgent { color: #b00020; font-weight: bold; }
table.grid { margin-top: 0.1em; font-size: 8pt; }
table.grid th, table.grid td { text-align: left; vertical-align: top; padding: 0.1em 0.4em 0.1em 0;
                               border-bottom: 0.5pt solid #ccc; }
table.grid th { border-bottom: 1pt solid #222; }
ul { margin: 0.1em 0 0.2em; padding-left: 1.2em; }
li { margin: 0.05em 0; }
.detail { color: #333; font-size: 8pt; }
tr, li, .alert { break-inside: avoid; page-break-inside: avoid; }
a { color: inherit; }
@page { margin: 12mm 12mm 12mm 12mm; }
@media print {
  body { max-width: none; padding: 0; }
  a { text-decoration: none; }
}
"""


def html(page: Page) -> str:
    """The page as one HTML document: inline CSS, every value escaped, nothing fetched from anywhere."""
    body = [f"<h1>{escape(page.title)}</h1>", f'<p class="subtitle">{escape(page.subtitle)}</p>']
    for section in page.sections:
        body.append(f"<section>\n<h2>{escape(section.title)}</h2>")
        body += [_block(block) for block in section.blocks]
        body.append("</section>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(page.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


_URGENT = ' class="urgent"'


def _block(block: Block) -> str:
    if isinstance(block, Para):
        return (
            f'<p class="strong">{escape(block.text)}</p>' if block.strong else f"<p>{escape(block.text)}</p>"
        )
    if isinstance(block, Alert):
        return f'<p class="alert">{escape(block.text)}</p>'
    if isinstance(block, Facts):
        rows = "".join(
            f"<tr><th>{escape(f.label)}</th><td{_URGENT if f.urgent else ''}>{escape(f.value)}</td></tr>"
            for f in block.rows
        )
        return f'<table class="facts">{rows}</table>'
    if isinstance(block, Items):
        items = "".join(
            f"<li>{escape(i.text)}"
            + (f'<br><span class="detail">{escape(i.detail)}</span>' if i.detail else "")
            + "</li>"
            for i in block.items
        )
        return f"<h3>{escape(block.title)}</h3><ul>{items}</ul>"
    head = "".join(f"<th>{escape(h)}</th>" for h in block.headers)
    rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block.rows)
    table = f'<table class="grid"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    return f"<h3>{escape(block.title)}</h3>{table}"


def pdf(document: str) -> bytes:
    """The HTML document laid out as PDF by WeasyPrint; an InputError saying how to install it if absent."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError):  # OSError: the package is there but Pango is not
        raise InputError(PDF_MISSING) from None
    return HTML(string=document).write_pdf()
