"""A brief's `Page` as plain text (80 columns, for a terminal or a printer) and as Markdown."""

from __future__ import annotations

import re
import textwrap

from fsmkit.render.page import Alert, Block, Facts, Items, Page, Para, Table

WIDTH = 80
INDENT = "  "


def text(page: Page) -> str:
    """The page in at most 80 columns: wrapped paragraphs, aligned facts, bullets and tables."""
    lines = [*_wrap(page.title, ""), *_wrap(page.subtitle, ""), "=" * WIDTH]
    for section in page.sections:
        lines += ["", f"{section.title.upper()} " + "-" * (WIDTH - len(section.title) - 1)]
        for block in section.blocks:
            lines += _text_block(block)
    return "\n".join(lines) + "\n"


def _wrap(content: str, indent: str, hanging: str | None = None) -> list[str]:
    return textwrap.wrap(
        content,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent if hanging is None else hanging,
        break_on_hyphens=False,
    ) or [indent.rstrip()]


def _text_block(block: Block) -> list[str]:
    if isinstance(block, Para):
        return _wrap(block.text, INDENT)
    if isinstance(block, Alert):
        return _wrap(f"!! {block.text}", INDENT, INDENT + "   ")
    if isinstance(block, Facts):
        width = max(len(f.label) for f in block.rows) + 2
        lines = []
        for fact in block.rows:
            lines += _wrap(fact.value, f"{INDENT}{fact.label:<{width}}", " " * (len(INDENT) + width))
        return lines
    if isinstance(block, Items):
        lines = [f"{INDENT}{block.title}:"]
        for item in block.items:
            lines += _wrap(item.text, f"{INDENT}- ", f"{INDENT}  ")
            if item.detail:
                lines += _wrap(item.detail, f"{INDENT}  ", f"{INDENT}  ")
        return lines
    return _text_table(block)


def _text_table(table: Table) -> list[str]:
    """Columns as wide as their content; when that is wider than 80 columns the `flex` column gives way
    (down to 12 columns, then the widest others too) and its cells wrap."""
    gap = "  "
    count = len(table.headers)
    widths = [max(len(row[i]) for row in (table.headers, *table.rows)) for i in range(count)]
    flex = table.flex % count
    room = WIDTH - len(INDENT) - len(gap) * (count - 1)
    widths[flex] = max(12, min(widths[flex], room - sum(widths) + widths[flex]))
    while sum(widths) > room:
        widest = max(range(count), key=lambda i: widths[i])
        widths[widest] -= 1
    lines = [f"{INDENT}{table.title}:"]
    for row in (table.headers, *table.rows):
        cells = [
            textwrap.wrap(cell, width, break_on_hyphens=False) or [""]
            for cell, width in zip(row, widths, strict=True)
        ]
        for depth in range(max(len(c) for c in cells)):
            parts = [
                (c[depth] if depth < len(c) else "").ljust(w) for c, w in zip(cells, widths, strict=True)
            ]
            lines.append((INDENT + gap.join(parts)).rstrip())
    return lines


# -- markdown ----------------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(content: str) -> str:
    """Text with Markdown's special characters escaped, so data never turns into markup."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", content)


def markdown(page: Page) -> str:
    """The page as CommonMark: headings, bold labels, bullets, block quotes for alerts, pipe tables."""
    parts = [f"# {md_escape(page.title)}", f"_{md_escape(page.subtitle)}_"]
    for section in page.sections:
        parts.append(f"## {md_escape(section.title)}")
        parts += [_markdown_block(block) for block in section.blocks]
    return "\n\n".join(parts) + "\n"


def _markdown_block(block: Block) -> str:
    if isinstance(block, Para):
        content = md_escape(block.text)
        return f"**{content}**" if block.strong else content
    if isinstance(block, Alert):
        return f"> **!!** {md_escape(block.text)}"
    if isinstance(block, Facts):
        rows = []
        for fact in block.rows:
            value = md_escape(fact.value)
            rows.append(f"- **{md_escape(fact.label)}:** {f'**{value}**' if fact.urgent else value}")
        return "\n".join(rows)
    if isinstance(block, Items):
        lines = [f"**{md_escape(block.title)}**", ""]
        for item in block.items:
            if item.detail:  # a backslash at the end of a line is a hard line break
                lines += [f"- {md_escape(item.text)}\\", f"  {md_escape(item.detail)}"]
            else:
                lines.append(f"- {md_escape(item.text)}")
        return "\n".join(lines)
    lines = [f"**{md_escape(block.title)}**", ""]
    lines.append("| " + " | ".join(md_escape(h) for h in block.headers) + " |")
    lines.append("|" + "---|" * len(block.headers))
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in block.rows]
    return "\n".join(lines)
