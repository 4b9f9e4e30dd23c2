"""An A4 letter laid out with fpdf2 (C1, B1): letterhead, window address, references, body,
invoice table, claim, signature, footer with legal mentions and "Page i/n".

Pure: text and figures in, drawing out; no I/O, no clock (the PDF's creation date is the
letter's date). Every length is in millimetres, from the sheet's top-left corner.

`LetterDocument` is an fpdf2 document that holds any number of letters one after the other
(a single letter, or a run's grouped PDF): each starts on a new page; page numbers count
within the letter ("Page 2/3"), so they are drawn once the whole document is laid out, by
going back to each page (`finish`), when every letter's length is known.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from math import floor

from babel.numbers import format_decimal
from fpdf import FPDF
from fpdf.enums import Align
from fpdf.fonts import TTFFont
from fpdf.line_break import TextLine
from PIL import Image

from relance.domain.display import DisplaySettings, day, money
from relance.letters.fonts import FAMILY, FontCache
from relance.letters.models import InvoiceRow, Language, LetterInput, Sender

# -- The sheet -------------------------------------------------------------------------------
PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait
MARGIN_LEFT, MARGIN_RIGHT = 20.0, 15.0  # NF Z 11-001 practice: about 20 mm either side
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT  # 175: body, table, footer
TEXT_RIGHT = MARGIN_LEFT + TEXT_W  # 195
TOP = 12.0  # first page: the logo's top
CONTINUATION_TOP = 22.0  # later pages: below the running head
BOTTOM_MARGIN = 26.0  # text stops at 271 mm; the footer lives below
FOOTER_RULE_Y = 276.0

# -- The window envelope ---------------------------------------------------------------------
# A French windowed envelope, DL (110 × 220 mm) or C5/6 (114 × 229 mm), "fenêtre à droite":
# a 100 × 45 mm window 20 mm from the right edge and 15 mm from the bottom (the common
# French make; envelope formats per NF EN ISO 269). The A4 is folded in three (panels of
# 99 mm), the address panel facing the window. In a DL envelope the sheet has 5 mm of play
# sideways and 11 mm up and down, so the part of the sheet always seen through the window
# is x 100-190 mm, y 50-84 mm. The address block goes there, at ~110 mm from the left and
# 50 mm from the top, as NF Z 11-001 (layout of a business letter) places it, and follows
# NF Z 10-011 (postal address): at most 6 lines (7 abroad, the country last), 38 characters
# a line, left-aligned, no blank line.
ENVELOPE_WINDOW_W, ENVELOPE_WINDOW_H = 100.0, 45.0
ENVELOPE_WINDOW_FROM_RIGHT, ENVELOPE_WINDOW_FROM_BOTTOM = 20.0, 15.0
ADDRESS_ZONE_X = 110.0  # the address block's left edge on the sheet
ADDRESS_ZONE_Y = 50.0  # its top
ADDRESS_ZONE_W = 80.0  # to 190 mm: visible however the sheet slides sideways
ADDRESS_ZONE_H = 34.0  # to 84 mm: visible however the folded sheet slides down
ADDRESS_MAX_LINES = 7
ADDRESS_FONT_PT, ADDRESS_MIN_FONT_PT = 10.0, 8.0  # a long line shrinks the block, never clips
ADDRESS_LINE_H = 4.4

# -- Letterhead and text ---------------------------------------------------------------------
LOGO_MAX_W, LOGO_MAX_H = 50.0, 20.0
SENDER_W = 80.0  # the left column, beside the window
DATE_Y = ADDRESS_ZONE_Y + ADDRESS_ZONE_H + 4.0  # "Lyon, le 23 novembre 2026", under the window
SUBJECT_Y = DATE_Y + 9.0  # "Objet : …", full width
BODY_PT, BODY_LINE_H, PARAGRAPH_GAP = 9.5, 4.4, 2.4
TABLE_PT, TABLE_ROW_H = 8.5, 5.2
FOOTER_PT = 7.0
SIGNATURE_X = ADDRESS_ZONE_X
SIGNATURE_GAP = 5.0  # between the politeness formula and the signature

# Invoice table: number, date, due date, days late, amount (widths in mm, sum TEXT_W).
TABLE_WIDTHS = (55.0, 28.0, 28.0, 29.0, 35.0)
TABLE_ALIGNS = ("L", "C", "C", "R", "R")
CLAIM_LABEL_W, CLAIM_AMOUNT_W = 120.0, 35.0  # the claim's box, right-aligned on the table

INK = (33, 33, 33)
GREY = (110, 110, 110)
RULE = (170, 170, 170)
HEAD_FILL = (232, 235, 240)
ZEBRA_FILL = (246, 247, 249)
ACCENT = (20, 60, 120)

LABELS: dict[Language, dict[str, str]] = {
    "fr": {
        "date": "{place}, le {date}",
        "subject": "Objet : ",
        "your_ref": "Vos références : client n° {number}",
        "our_ref": "Nos références : {ref}",
        "attention": "À l'attention de {name}",
        "registered": "Lettre recommandée avec accusé de réception",
        "phone": "Tél. {phone}",
        "columns": "N° de facture|Date|Échéance|Jours de retard|Montant dû",
        "not_due": "—",
        "total": "Total",
        "principal": "Principal restant dû",
        "penalties": "Pénalités de retard (art. L441-10 du Code de commerce)",
        "indemnities": "Indemnités forfaitaires pour frais de recouvrement (art. D441-5)",
        "indemnities_count": "Indemnités de recouvrement, art. D441-5 ({count} × {unit})",
        "claimed": "Total réclamé",
        "continued": "{customer} · {subject} (suite)",
        "page": "Page {page}/{pages}",
        "siret": "SIRET {siret}",
    },
    "en": {
        "date": "{place}, {date}",
        "subject": "Subject: ",
        "your_ref": "Your reference: customer no. {number}",
        "our_ref": "Our reference: {ref}",
        "attention": "For the attention of {name}",
        "registered": "Registered letter with acknowledgement of receipt",
        "phone": "Tel. {phone}",
        "columns": "Invoice no.|Date|Due date|Days late|Amount due",
        "not_due": "—",
        "total": "Total",
        "principal": "Outstanding principal",
        "penalties": "Late-payment penalties (art. L441-10, French Commercial Code)",
        "indemnities": "Fixed recovery-cost compensation (art. D441-5)",
        "indemnities_count": "Fixed recovery-cost compensation, art. D441-5 ({count} × {unit})",
        "claimed": "Total claimed",
        "continued": "{customer} · {subject} (continued)",
        "page": "Page {page}/{pages}",
        "siret": "SIRET {siret}",
    },
}
INDEMNITY = Decimal("40")  # D441-5 Code de commerce, per invoice paid late

Color = tuple[int, int, int]


@cache
def settings(language: Language, date_format: str = "short") -> DisplaySettings:
    return DisplaySettings.model_validate({"language": language, "date_format": date_format})


def long_date(d: date, language: Language) -> str:
    """ "23 novembre 2026" ("1er décembre 2026" on the first), "23 November 2026"."""
    text = day(d, settings(language, "long"))
    if language == "fr" and d.day == 1:
        text = "1er" + text[1:]
    return text


def letter_date(place: str, d: date, language: Language) -> str:
    """ "Lyon, le 23 novembre 2026", "Lyon, 23 November 2026"."""
    return LABELS[language]["date"].format(place=place, date=long_date(d, language))


def number(n: int, language: Language) -> str:
    return format_decimal(n, locale=settings(language).locale)


@dataclass(frozen=True)
class LetterSpan:
    """Where a letter sits in its document: pages first..last (1-based, inclusive)."""

    letter: LetterInput
    first: int
    last: int

    @property
    def pages(self) -> int:
        return self.last - self.first + 1


class LetterDocument(FPDF):
    """One PDF holding letters one after the other (see the module's docstring)."""

    def __init__(self, fonts: FontCache, created: date) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        fonts.install(self)
        self.alias_nb_pages("")  # page totals are per letter, drawn by finish()
        self.set_margins(MARGIN_LEFT, CONTINUATION_TOP, MARGIN_RIGHT)
        self.set_auto_page_break(True, margin=BOTTOM_MARGIN)
        self.set_creator("Relance")
        self.set_creation_date(datetime(created.year, created.month, created.day, tzinfo=UTC))
        self.c_margin = 0.0
        self.spans: list[LetterSpan] = []
        self._letter: LetterInput | None = None  # the letter being laid out
        self._first_page = 0
        self._logo_sizes: dict[bytes, tuple[float, float]] = {}

    # -- fpdf2 hooks -------------------------------------------------------------------------
    def header(self) -> None:
        """A later page of a letter starts with a running head; the table re-draws its own
        column headings."""
        letter = self._letter
        if letter is None or self.page == self._first_page:
            return
        labels = LABELS[letter.language]
        self.use_font(7.5, color=GREY)
        self.set_xy(MARGIN_LEFT, 11.0)
        head = labels["continued"].format(customer=letter.recipient.name, subject=letter.subject)
        self.cell(TEXT_W, 4.0, self.fit(head, TEXT_W))
        self._rule(MARGIN_LEFT, 16.0, TEXT_RIGHT)
        self.set_xy(MARGIN_LEFT, CONTINUATION_TOP)

    def footer(self) -> None:
        """Nothing while laying out: `finish` draws every footer once the totals are known."""

    # -- small drawing helpers ---------------------------------------------------------------
    def use_font(self, size: float, bold: bool = False, color: Color = INK) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)

    def _rule(
        self, x1: float, y: float, x2: float, color: Color = RULE, width: float = 0.2
    ) -> None:
        self.set_draw_color(*color)
        self.set_line_width(width)
        self.line(x1, y, x2, y)

    def fit(self, text: str, width: float) -> str:
        """The text cut with "…" to fit the width, in the current font."""
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def wrap(self, text: str, width: float) -> list[tuple[str, bool]]:
        """The text broken into lines that fit the width in the current font, each with
        whether it ends its paragraph (a "\n" or the end). Greedy, at spaces; no-break spaces
        (babel's, in amounts) hold; a word wider than a line is cut.

        fpdf2's own breaking (multi_cell) re-measures the line for every character added:
        it took two thirds of a letter's layout. This measures each word once."""
        font = self.current_font
        assert isinstance(font, TTFFont)  # the letters' fonts are TrueType (fonts.py)
        widths, scale = font.cw, self.font_size / 1000

        def measure(chunk: str) -> float:
            return sum(widths[ord(c)] for c in chunk) * scale

        space = measure(" ")
        lines: list[tuple[str, bool]] = []
        for raw in text.split("\n"):
            line: list[str] = []
            line_w = 0.0
            for word in filter(None, raw.split(" ")):  # not str.split(): it cuts at no-break spaces
                word_w = measure(word)
                while word_w > width:  # a word longer than a line: cut it
                    if line:
                        lines.append((" ".join(line), False))
                        line, line_w = [], 0.0
                    cut = len(word) - 1
                    while cut > 1 and measure(word[:cut]) > width:
                        cut -= 1
                    lines.append((word[:cut], False))
                    word = word[cut:]
                    word_w = measure(word)
                if line and line_w + space + word_w > width:
                    lines.append((" ".join(line), False))
                    line, line_w = [], 0.0
                line_w += (space if line else 0.0) + word_w
                line.append(word)
            lines.append((" ".join(line), True))
        return lines

    def text_block(self, x: float, width: float, h: float, text: str, align: str = "L") -> None:
        """A paragraph from the current y: lines at x, justified ("J": all but each
        paragraph's last line), left-aligned or centred ("C"); pages break as needed."""
        for line, last in self.wrap(text, width):
            self.set_x(x)
            if align == "J" and not last and " " in line:
                self._justified(line, width, h)
            else:
                self.cell(width, h, line, align="C" if align == "C" else "L")
            self.set_xy(x, self.y + h)

    def _justified(self, line: str, width: float, h: float) -> None:
        # cell() never justifies (it counts no spaces); this is what multi_cell does for
        # each of its lines, through fpdf2's protected line renderer.
        fragments = self._preload_font_styles(line, False)
        spaces = line.count(" ")
        text_line = TextLine(fragments, 0, spaces, Align.J, h, width)
        self._render_styled_text_line(text_line, h)

    def _lines(self, x: float, y: float, lines: Sequence[str], width: float, h: float) -> float:
        for line in lines:
            self.set_xy(x, y)
            self.cell(width, h, self.fit(line, width))
            y += h
        return y

    # -- letters -----------------------------------------------------------------------------
    def blank_page(self) -> None:
        """A page left blank (duplex: the next letter starts on a recto)."""
        self._letter = None
        self.add_page()

    def add_letter(self, letter: LetterInput) -> LetterSpan:
        """Lay a letter out from a new page; returns where it went."""
        self._letter = None  # no running head on the first page
        self.add_page()
        self._first_page = self.page
        self._letter = letter
        labels = LABELS[letter.language]
        # Left column, beside the window: letterhead, registered mention, references.
        left_bottom = self._letterhead(letter.sender, letter.language)
        if letter.formal_notice:
            self.use_font(9.0, bold=True, color=ACCENT)
            self.set_xy(MARGIN_LEFT, max(left_bottom + 5.0, ADDRESS_ZONE_Y + 6.0))
            self.text_block(MARGIN_LEFT, SENDER_W - 10.0, 4.4, labels["registered"].upper())
            left_bottom = self.y
        left_bottom = self._references(letter, max(left_bottom + 4.0, ADDRESS_ZONE_Y + 14.0))
        # Right column: the address in the window, the place and date under it.
        self._address(letter)
        self.use_font(BODY_PT)
        self.set_xy(ADDRESS_ZONE_X, DATE_Y)
        self.cell(
            TEXT_RIGHT - ADDRESS_ZONE_X,
            BODY_LINE_H,
            letter_date(letter.place, letter.date, letter.language),
        )
        self._subject(letter, max(SUBJECT_Y, left_bottom + 5.0))
        self._paragraphs(letter.paragraphs)
        if letter.invoices:
            self._invoice_table(letter)
        if letter.claim is not None:
            self._claim(letter)
        self._paragraphs(letter.closing[:-1])
        self._ending(letter)
        span = LetterSpan(letter, self._first_page, self.page)
        self.spans.append(span)
        self._letter = None
        return span

    def _letterhead(self, sender: Sender, language: Language) -> float:
        """Logo and sender block, top left; returns the block's bottom."""
        y = TOP
        if sender.logo:
            w, h = self._logo_size(sender.logo)
            self.image(io.BytesIO(sender.logo), x=MARGIN_LEFT, y=TOP, w=w, h=h)
            y = TOP + h + 4.0
        self.use_font(10.5, bold=True)
        y = self._lines(MARGIN_LEFT, y, [sender.name], SENDER_W, 5.0)
        self.use_font(8.5, color=GREY)
        extra = [sender.email] if sender.email else []
        phone = [LABELS[language]["phone"].format(phone=sender.phone)] if sender.phone else []
        return self._lines(MARGIN_LEFT, y, [*sender.address, *phone, *extra], SENDER_W, 3.9)

    def _logo_size(self, logo: bytes) -> tuple[float, float]:
        """The logo's size on the page, in its box, keeping its proportions (read once)."""
        size = self._logo_sizes.get(logo)
        if size is None:
            with Image.open(io.BytesIO(logo)) as image:
                px_w, px_h = image.size
            scale = min(LOGO_MAX_W / px_w, LOGO_MAX_H / px_h)
            size = self._logo_sizes[logo] = (px_w * scale, px_h * scale)
        return size

    def address_lines(self, letter: LetterInput) -> list[str]:
        """The address as printed: the company, then the person it is for (line 2 of
        NF Z 10-011) when there is room, then the rest; at most 7 lines, the last two (town,
        country) always kept."""
        address = list(letter.recipient.address)
        if len(address) > ADDRESS_MAX_LINES:
            address = address[: ADDRESS_MAX_LINES - 2] + address[-2:]
        attention = letter.recipient.attention.strip()
        if (
            attention
            and attention.casefold() != address[0].casefold()
            and len(address) < ADDRESS_MAX_LINES
        ):
            address.insert(1, LABELS[letter.language]["attention"].format(name=attention))
        return address

    def _address(self, letter: LetterInput) -> None:
        """The block in the window zone; a line too wide shrinks the whole block (down to
        8 pt), and only then is cut."""
        lines = self.address_lines(letter)
        size = ADDRESS_FONT_PT
        widest = 0.0
        for i, line in enumerate(lines):
            self.use_font(size, bold=i == 0)
            widest = max(widest, self.get_string_width(line))
        if widest > ADDRESS_ZONE_W:
            size = max(ADDRESS_MIN_FONT_PT, floor(size * ADDRESS_ZONE_W / widest * 10) / 10)
        line_h = min(ADDRESS_LINE_H, (ADDRESS_ZONE_H - 2.0) / len(lines))
        y = ADDRESS_ZONE_Y + 1.0
        for i, line in enumerate(lines):
            self.use_font(size, bold=i == 0)
            self.set_xy(ADDRESS_ZONE_X, y)
            self.cell(ADDRESS_ZONE_W, line_h, self.fit(line, ADDRESS_ZONE_W))
            y += line_h

    def _references(self, letter: LetterInput, y: float) -> float:
        """ "Vos références", "Nos références" in the left column; returns their bottom."""
        labels = LABELS[letter.language]
        self.use_font(8.5, color=GREY)
        refs = []
        if letter.recipient.customer_number:
            refs.append(labels["your_ref"].format(number=letter.recipient.customer_number))
        if letter.our_reference:
            refs.append(labels["our_ref"].format(ref=letter.our_reference))
        return self._lines(MARGIN_LEFT, y, refs, SENDER_W, 4.2) if refs else y - 4.0

    def _subject(self, letter: LetterInput, y: float) -> None:
        self.use_font(BODY_PT, bold=True)
        label = LABELS[letter.language]["subject"]
        label_w = self.get_string_width(label)
        self.set_xy(MARGIN_LEFT, y)
        self.cell(label_w, BODY_LINE_H, label)
        self.text_block(MARGIN_LEFT + label_w, TEXT_W - label_w, BODY_LINE_H, letter.subject)
        self.set_y(self.y + 4.0)

    def _paragraphs(self, paragraphs: Sequence[str]) -> None:
        self.use_font(BODY_PT)
        for text in paragraphs:
            self.set_x(MARGIN_LEFT)
            self.text_block(MARGIN_LEFT, TEXT_W, BODY_LINE_H, text, align="J")
            self.set_y(self.y + PARAGRAPH_GAP)

    # -- the invoice table -------------------------------------------------------------------
    def _table_head(self, language: Language) -> None:
        self.use_font(TABLE_PT, bold=True)
        self.set_fill_color(*HEAD_FILL)
        self.set_x(MARGIN_LEFT)
        self.c_margin = 1.5
        for width, align, title in zip(
            TABLE_WIDTHS, TABLE_ALIGNS, LABELS[language]["columns"].split("|"), strict=True
        ):
            self.cell(width, TABLE_ROW_H + 0.6, title, align=align, fill=True)
        self.c_margin = 0.0
        self.ln(TABLE_ROW_H + 0.6)

    def table_cells(self, row: InvoiceRow, language: Language) -> tuple[str, ...]:
        s = settings(language)
        late = str(row.days_late) if row.days_late > 0 else LABELS[language]["not_due"]
        return (
            row.number,
            day(row.date, s),
            day(row.due_date, s),
            late,
            money(row.amount, row.currency, s),
        )

    def _invoice_table(self, letter: LetterInput) -> None:
        language = letter.language
        head_h = TABLE_ROW_H + 0.6
        if self.will_page_break(head_h + 2 * TABLE_ROW_H):  # never a heading alone
            self.add_page()
        self._table_head(language)
        self.set_fill_color(*ZEBRA_FILL)
        for i, row in enumerate(letter.invoices):
            if self.will_page_break(TABLE_ROW_H):
                self.add_page()
                self._table_head(language)
                self.set_fill_color(*ZEBRA_FILL)
            self.use_font(TABLE_PT)
            self.set_x(MARGIN_LEFT)
            self.c_margin = 1.5
            for width, align, text in zip(
                TABLE_WIDTHS, TABLE_ALIGNS, self.table_cells(row, language), strict=True
            ):
                self.cell(width, TABLE_ROW_H, text, align=align, fill=i % 2 == 1)
            self.c_margin = 0.0
            self.ln(TABLE_ROW_H)
        currencies = {row.currency for row in letter.invoices}
        if len(currencies) == 1 and len(letter.invoices) > 1:
            total = sum((row.amount for row in letter.invoices), Decimal(0))
            if self.will_page_break(TABLE_ROW_H + 1):
                self.add_page()
            self._rule(MARGIN_LEFT, self.y, TEXT_RIGHT, color=INK, width=0.3)
            self.use_font(TABLE_PT, bold=True)
            self.set_x(MARGIN_LEFT)
            self.c_margin = 1.5
            self.cell(TEXT_W - TABLE_WIDTHS[-1], TABLE_ROW_H, LABELS[language]["total"], align="R")
            self.cell(
                TABLE_WIDTHS[-1],
                TABLE_ROW_H,
                money(total, currencies.pop(), settings(language)),
                align="R",
            )
            self.c_margin = 0.0
            self.ln(TABLE_ROW_H)
        else:
            self._rule(MARGIN_LEFT, self.y, TEXT_RIGHT)
        self.set_y(self.y + 4.0)

    def _claim(self, letter: LetterInput) -> None:
        claim = letter.claim
        assert claim is not None
        labels, s = LABELS[letter.language], settings(letter.language)
        if claim.indemnity_count:
            unit = money(INDEMNITY, claim.currency, s)
            indemnity = labels["indemnities_count"].format(count=claim.indemnity_count, unit=unit)
        else:
            indemnity = labels["indemnities"]
        rows = [
            (labels["principal"], claim.principal),
            (labels["penalties"], claim.penalties),
            (indemnity, claim.indemnities),
        ]
        h = TABLE_ROW_H
        if self.will_page_break(h * 4 + 6):
            self.add_page()
        x = TEXT_RIGHT - CLAIM_LABEL_W - CLAIM_AMOUNT_W
        self.c_margin = 1.5
        for label, amount in rows:
            self.use_font(TABLE_PT)
            self.set_x(x)
            self.cell(CLAIM_LABEL_W, h, self.fit(label, CLAIM_LABEL_W - 3))
            self.cell(CLAIM_AMOUNT_W, h, money(amount, claim.currency, s), align="R")
            self.ln(h)
        self._rule(x, self.y, TEXT_RIGHT, color=INK, width=0.3)
        self.use_font(TABLE_PT + 0.5, bold=True)
        self.set_fill_color(*HEAD_FILL)
        self.set_x(x)
        self.cell(CLAIM_LABEL_W, h + 0.8, labels["claimed"], fill=True)
        self.cell(
            CLAIM_AMOUNT_W, h + 0.8, money(claim.total, claim.currency, s), align="R", fill=True
        )
        self.c_margin = 0.0
        self.ln(h + 0.8)
        self.set_y(self.y + 4.0)

    def _ending(self, letter: LetterInput) -> None:
        """The last closing paragraph (the politeness formula) and the signature, kept on
        one page: a signature never stands alone at the top of a page."""
        last = letter.closing[-1:]
        lines = letter.signature
        needed = (SIGNATURE_GAP + BODY_LINE_H * len(lines)) if lines else 0.0
        if last:
            self.use_font(BODY_PT)
            needed += BODY_LINE_H * len(self.wrap(last[0], TEXT_W))
        if self.will_page_break(needed):
            self.add_page()
        self._paragraphs(last)
        y = self.y + SIGNATURE_GAP - PARAGRAPH_GAP
        for i, line in enumerate(lines):
            self.use_font(BODY_PT, bold=i == 0)
            self.set_xy(SIGNATURE_X, y)
            self.cell(
                TEXT_RIGHT - SIGNATURE_X, BODY_LINE_H, self.fit(line, TEXT_RIGHT - SIGNATURE_X)
            )
            y += BODY_LINE_H
        self.set_y(y)

    # -- after the layout --------------------------------------------------------------------
    def enter_page(self, page: int) -> None:
        """Go back to a page to draw on it: fpdf2 appends to its content stream, whose
        graphics state is whatever that page left, so the font and colours are re-emitted."""
        self.page = page
        self.current_font_is_set_on_page = False
        for setter in (self.set_draw_color, self.set_fill_color):
            setter(1)  # a grey never used: the next call always writes its colour
            setter(255)
        self.set_line_width(0.01)
        self.set_line_width(0.2)

    def finish(self, extra: Callable[[LetterDocument], None] | None = None) -> None:
        """Draw every letter's footer, then `extra` (a cover on reserved pages). Call once,
        after the last letter."""
        last = self.page
        self.set_auto_page_break(False)
        for span in self.spans:
            for number_ in range(span.first, span.last + 1):
                self.enter_page(number_)
                self._footer(span, number_ - span.first + 1)
        if extra is not None:
            extra(self)
        self.page = last
        self.set_auto_page_break(True, margin=BOTTOM_MARGIN)

    def _footer(self, span: LetterSpan, page: int) -> None:
        letter, sender = span.letter, span.letter.sender
        labels = LABELS[letter.language]
        self._rule(MARGIN_LEFT, FOOTER_RULE_Y, TEXT_RIGHT)
        number_w = 16.0
        self.use_font(7.5, color=GREY)
        self.set_xy(TEXT_RIGHT - number_w, FOOTER_RULE_Y + 1.5)
        self.cell(number_w, 3.4, labels["page"].format(page=page, pages=span.pages), align="R")
        identity = " · ".join(
            part
            for part in (
                sender.name,
                ", ".join(sender.address),
                labels["siret"].format(siret=sender.siret) if sender.siret else "",
            )
            if part
        )
        self.use_font(FOOTER_PT, color=GREY)
        self.set_xy(MARGIN_LEFT + number_w, FOOTER_RULE_Y + 1.5)
        width = TEXT_W - 2 * number_w
        mentions = [m for m in (identity, sender.legal_mentions) if m]
        self.text_block(MARGIN_LEFT + number_w, width, 3.2, "\n".join(mentions), align="C")
