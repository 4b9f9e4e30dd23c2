"""Plain text and HTML of a rendered message, and the blocks between them.

A letter (or a call script) renders to plain text: paragraphs separated by blank lines and
pipe tables (a header line, a separator line such as `|:--|--:|` whose colons give the
alignment, rows; a second separator line starts the footer rows). An email renders to
HTML. Both are read into the same `Block`s (paragraphs and tables), from which come:
- the text of a letter and the text part of an email (tables aligned in columns);
- the HTML of a letter (for a PDF engine that reads HTML);
- the blocks themselves, for the letter's PDF layout (a real table, not spaces).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape, unescape
from typing import Literal, NamedTuple

Align = Literal["left", "right"]
_SPACES = re.compile(r"[ \t\r\n\f\v]+")  # not \s: the no-break spaces of amounts stay
_SEPARATOR = re.compile(r"^\|(\s*:?-+:?\s*\|)+$")


class Paragraph(NamedTuple):
    text: str  # may hold line breaks (an address, a signature)


class Table(NamedTuple):
    header: tuple[str, ...]
    align: tuple[Align, ...]
    rows: tuple[tuple[str, ...], ...]
    footer: tuple[tuple[str, ...], ...] = ()

    @property
    def width(self) -> int:
        return max((len(r) for r in (self.header, *self.rows, *self.footer)), default=0)


Block = Paragraph | Table


class LetterParts(NamedTuple):
    """A rendered letter cut where a page layout wants it: the paragraphs before its first
    table, the tables, and the paragraphs after (a layout that draws the tables itself
    from the action's figures only needs `before` and `after`)."""

    before: tuple[str, ...]
    tables: tuple[Table, ...]
    after: tuple[str, ...]


def letter_parts(blocks: Iterable[Block]) -> LetterParts:
    before: list[str] = []
    tables: list[Table] = []
    after: list[str] = []
    for block in blocks:
        if isinstance(block, Table):
            tables.append(block)
        else:
            (after if tables else before).append(block.text)
    return LetterParts(tuple(before), tuple(tables), tuple(after))


# -- plain text (letters) -> blocks ---------------------------------------------------------
def _cells(line: str) -> tuple[str, ...]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return tuple(cell.strip() for cell in inner.split("|"))


def _alignment(separator: str) -> tuple[Align, ...]:
    return tuple(
        "right" if cell.endswith(":") and not cell.startswith(":") else "left"
        for cell in _cells(separator)
    )


def text_blocks(text: str) -> list[Block]:
    """Paragraphs and pipe tables of a plain-text message (never raises)."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Paragraph("\n".join(paragraph)))
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if stripped.startswith("|") and _SEPARATOR.match(nxt):
            flush()
            header, align = _cells(stripped), _alignment(nxt)
            rows: list[tuple[str, ...]] = []
            footer: list[tuple[str, ...]] = []
            target = rows
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                row = lines[i].strip()
                if _SEPARATOR.match(row):
                    target = footer
                else:
                    target.append(_cells(row))
                i += 1
            blocks.append(Table(header, align, tuple(rows), tuple(footer)))
            continue
        if stripped:
            paragraph.append(line)
        else:
            flush()
        i += 1
    flush()
    return blocks


# -- blocks -> text and HTML ----------------------------------------------------------------
def _padded(row: tuple[str, ...], n: int) -> tuple[str, ...]:
    return row + ("",) * (n - len(row))


def table_text(table: Table) -> str:
    """A table in aligned columns, two spaces apart, rules under the header and above the
    footer."""
    n = table.width
    align = _padded(tuple(table.align), n)
    grid = [_padded(r, n) for r in (table.header, *table.rows, *table.footer)]
    widths = [max(len(r[c]) for r in grid) for c in range(n)]

    def line(row: tuple[str, ...]) -> str:
        cells = [
            cell.rjust(w) if a == "right" else cell.ljust(w)
            for cell, w, a in zip(row, widths, align, strict=True)
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [line(grid[0]), rule, *(line(r) for r in grid[1 : 1 + len(table.rows)])]
    if table.footer:
        out += [rule, *(line(r) for r in grid[1 + len(table.rows) :])]
    return "\n".join(out)


def blocks_text(blocks: list[Block]) -> str:
    return "\n\n".join(b.text if isinstance(b, Paragraph) else table_text(b) for b in blocks)


def blocks_html(blocks: list[Block]) -> str:
    """Simple HTML of a letter: <p> with <br> for its line breaks, tables."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Paragraph):
            out.append("<p>" + "<br>\n".join(escape(li) for li in b.text.split("\n")) + "</p>")
            continue
        n = b.width
        align = _padded(tuple(b.align), n)

        def row(
            cells: tuple[str, ...], tag: str, align: tuple[str, ...] = align, n: int = n
        ) -> str:
            tds = "".join(
                f'<{tag} align="{a}">{escape(c)}</{tag}>'
                for c, a in zip(_padded(cells, n), align, strict=True)
            )
            return f"<tr>{tds}</tr>"

        parts = ["<table>", "<thead>" + row(b.header, "th") + "</thead>"]
        parts.append("<tbody>" + "".join(row(r, "td") for r in b.rows) + "</tbody>")
        if b.footer:
            parts.append("<tfoot>" + "".join(row(r, "td") for r in b.footer) + "</tfoot>")
        out.append("".join(parts) + "</table>")
    return "\n".join(out)


# -- HTML (emails) -> blocks ----------------------------------------------------------------
_BLOCK_TAGS = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "hr",
     "table", "section", "header", "footer", "address", "pre"}
)  # fmt: skip
_SKIP_TAGS = frozenset({"head", "style", "script", "title", "template"})


# A small tokenizer instead of html.parser (several times faster on the markup a template
# makes, which is what the text part of every email goes through): comments and
# declarations (skipped), tags, text; a "<" that starts no tag is text. Of the attributes,
# only a link's href and a cell's alignment and colspan are read.
_TOKENS = re.compile(
    r"<!--.*?(?:-->|$)|<![^>]*>|<\?[^>]*>"
    r"|<(/?)([a-zA-Z][a-zA-Z0-9]*)([\s/][^>]*)?>|([^<]+|<)",
    re.DOTALL,
)
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_COLSPAN = re.compile(r"""\bcolspan\s*=\s*["']?(\d+)""", re.IGNORECASE)
_RIGHT = re.compile(r"""\balign\s*=\s*["']?right|text-align\s*:\s*right""", re.IGNORECASE)


def _span(attrs: str) -> int:
    span = _COLSPAN.search(attrs) if attrs and "colspan" in attrs.lower() else None
    return max(1, min(20, int(span.group(1)))) if span else 1


def _href(attrs: str) -> str | None:
    m = _HREF.search(attrs)
    return unescape(next(v for v in m.groups() if v is not None)) if m else None


class _Reader:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.buffer: list[str] = []
        self.skip = 0
        self.links: list[str | None] = []
        # the table being read: sections of rows of (text, align, span)
        self.table: dict[str, list[list[tuple[str, Align, int]]]] | None = None
        self.section = "tbody"
        self.cell: list[str] | None = None
        self.cell_align: Align = "left"
        self.cell_span = 1

    # paragraphs
    def flush(self) -> None:
        text = "".join(self.buffer)
        lines = [_SPACES.sub(" ", li).strip() for li in text.split("\n")]
        text = "\n".join(li for li in lines if li)
        if text:
            self.blocks.append(Paragraph(text))
        self.buffer = []

    def write(self, text: str) -> None:
        if self.cell is not None:
            self.cell.append(text)
        else:
            self.buffer.append(text)

    def handle_starttag(self, tag: str, attrs: str) -> None:
        """`attrs`: the tag's attributes as written; only a few are ever read."""
        if tag in _SKIP_TAGS:
            self.skip += 1
            return
        if self.table is not None:
            self._table_tag(tag, attrs)
            return
        if tag == "table":
            self.flush()
            self.table = {"thead": [], "tbody": [], "tfoot": []}
            self.section = "tbody"
        elif tag == "li":
            # items of a list stay together, one a line
            if "".join(self.buffer).strip():
                self.buffer.append("\n- ")
            else:
                self.flush()
                self.buffer.append("- ")
        elif tag in _BLOCK_TAGS:
            self.flush()
        elif tag == "br":
            self.buffer.append("\n")
        elif tag == "a":
            self.links.append(_href(attrs))
            self.buffer.append("\x00")  # where the link's text starts

    def _table_tag(self, tag: str, attrs: str) -> None:
        assert self.table is not None
        if tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif tag == "tr":
            self.table[self.section].append([])
        elif tag in ("td", "th"):
            self.cell_align = "right" if attrs and _RIGHT.search(attrs) else "left"
            self.cell_span = _span(attrs)
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
            return
        if self.table is not None:
            if tag in ("td", "th") and self.cell is not None:
                rows = self.table[self.section]
                if not rows:
                    rows.append([])
                text = _SPACES.sub(" ", "".join(self.cell)).strip()
                rows[-1].append((text, self.cell_align, self.cell_span))
                self.cell = None
            elif tag == "table":
                self._end_table()
            return
        if tag in _BLOCK_TAGS and tag != "li":
            self.flush()
        elif tag == "a" and self.links:
            href = self.links.pop() or ""
            text = "".join(self.buffer)
            start = text.rfind("\x00")
            label = text[start + 1 :] if start >= 0 else text
            target = href.removeprefix("mailto:").removeprefix("tel:")
            shown = label if not target or target in label else f"{label} <{target}>"
            self.buffer = [text[:start] if start >= 0 else "", shown]

    def _end_table(self) -> None:
        assert self.table is not None
        sections = self.table
        self.table = None

        def expand(row: list[tuple[str, Align, int]]) -> tuple[tuple[str, ...], tuple[Align, ...]]:
            cells: list[str] = []
            aligns: list[Align] = []
            for text, align, span in row:
                cells += [text] + [""] * (span - 1)
                aligns += [align] * span
            return tuple(cells), tuple(aligns)

        head = [expand(r) for r in sections["thead"] if r]
        body = [expand(r) for r in sections["tbody"] if r]
        foot = [expand(r) for r in sections["tfoot"] if r]
        if not head and body:
            head, body = body[:1], body[1:]
        if not head:
            return
        header, align = head[0]
        rows = [c for c, _ in head[1:] + body]
        if body:  # the body's alignment wins: a header cell is often left-aligned
            align = tuple(a for a in body[0][1])
        self.blocks.append(Table(header, align, tuple(rows), tuple(c for c, _ in foot)))

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.write(data)

    def feed(self, html: str) -> None:
        for m in _TOKENS.finditer(html):
            closing, tag, attrs, text = m.groups()
            if text is not None:
                self.handle_data(unescape(text))
            elif tag is not None:
                name = tag.lower()
                if closing:
                    self.handle_endtag(name)
                    continue
                self.handle_starttag(name, attrs or "")
                if m.group(0).endswith("/>") and name not in ("br", "hr"):
                    self.handle_endtag(name)

    def close(self) -> None:
        if self.table is not None:
            self._end_table()
        self.flush()


def html_blocks(html: str) -> list[Block]:
    """Paragraphs and tables of an email's HTML (never raises on bad HTML)."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return [
        Paragraph(b.text.replace("\x00", "")) if isinstance(b, Paragraph) else b
        for b in reader.blocks
    ]


def html_to_text(html: str) -> str:
    return blocks_text(html_blocks(html))
