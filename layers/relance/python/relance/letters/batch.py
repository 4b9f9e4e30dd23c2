"""Many letters from one set of fonts: single-letter PDFs, and a run's grouped PDF (C18).

The grouped PDF is what the tenant prints after a run: a cover sheet (run date, number of
letters, number of pages, the customers in order with where each letter starts, the
registered ones marked), then every letter in order, each from a new page, from a recto
when printed duplex. The tenant's logo is embedded once in the file, however many letters
carry it; the fonts are subset once per file and parsed once per process (fonts.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from math import ceil

from relance.letters.fonts import FontCache
from relance.letters.layout import (
    GREY,
    HEAD_FILL,
    INK,
    MARGIN_LEFT,
    TEXT_RIGHT,
    TEXT_W,
    ZEBRA_FILL,
    LetterDocument,
    LetterSpan,
    long_date,
    number,
)
from relance.letters.models import Language, LetterInput

# Cover sheet: a summary, then one row per letter.
COVER_ROW_H = 4.6
COVER_LIST_TOP_FIRST = 92.0  # below the summary
COVER_LIST_TOP = 30.0  # later cover pages
COVER_LIST_BOTTOM = 280.0
COVER_WIDTHS = (14.0, 30.0, 83.0, 22.0, 12.0, 14.0)  # #, customer no., name, pages, count, LRAR
COVER_ALIGNS = ("R", "L", "L", "C", "R", "C")

COVER_LABELS: dict[Language, dict[str, str]] = {
    "fr": {
        "title": "Lettres à imprimer",
        "run": "Traitement du {date}",
        "letters": "Lettres",
        "pages": "Pages de lettres",
        "file_pages": "Pages du fichier (couverture comprise)",
        "registered": "Dont lettres recommandées avec AR",
        "printing": "Impression",
        "duplex": "recto verso (chaque lettre commence sur un recto)",
        "simplex": "recto seul",
        "columns": "N°|Client|Nom|Pages|Nb|LRAR",
        "yes": "oui",
        "cover_page": "Couverture {page}/{pages}",
        "continued": "Lettres à imprimer · {date} (suite)",
    },
    "en": {
        "title": "Letters to print",
        "run": "Run of {date}",
        "letters": "Letters",
        "pages": "Letter pages",
        "file_pages": "Pages in the file (cover included)",
        "registered": "Of which registered with acknowledgement",
        "printing": "Printing",
        "duplex": "duplex (each letter starts on a recto)",
        "simplex": "simplex",
        "columns": "No.|Customer|Name|Pages|Qty|Reg.",
        "yes": "yes",
        "cover_page": "Cover {page}/{pages}",
        "continued": "Letters to print · {date} (continued)",
    },
}


def cover_pages(letters: int) -> int:
    """Pages the cover takes for that many letters (fixed rows per page)."""
    first = int((COVER_LIST_BOTTOM - COVER_LIST_TOP_FIRST) // COVER_ROW_H) - 1
    later = int((COVER_LIST_BOTTOM - COVER_LIST_TOP) // COVER_ROW_H) - 1
    return 1 + ceil(max(0, letters - first) / later)


class LetterBatch:
    """Renders letters with fonts loaded once (pass a FontCache, or the process's is used)."""

    def __init__(self, fonts: FontCache | None = None) -> None:
        self.fonts = fonts or FontCache.shared()

    def missing_characters(self, letter: LetterInput) -> str:
        """The characters of a letter the fonts cannot draw, sorted ("" when all print).
        For checks before printing (a template on save, a preview): rendering does not
        refuse them, they print blank."""
        sender, recipient = letter.sender, letter.recipient
        texts = [
            sender.name, *sender.address, sender.phone, sender.email, sender.siret,
            sender.legal_mentions, *recipient.address, recipient.attention,
            recipient.customer_number, letter.place, letter.subject, *letter.paragraphs,
            *letter.closing, *letter.signature, letter.our_reference,
            *(row.number for row in letter.invoices),
        ]  # fmt: skip
        return "".join(sorted(self.fonts.missing("".join(texts))))

    def letter_pdf(self, letter: LetterInput) -> bytes:
        """One letter as its own PDF (to store, or attach to an email)."""
        document = LetterDocument(self.fonts, letter.date)
        document.set_title(letter.subject)
        document.set_lang(letter.language)
        document.add_letter(letter)
        document.finish()
        return bytes(document.output())

    def grouped_pdf(
        self,
        letters: Sequence[LetterInput],
        run_date: date | None = None,
        duplex: bool = False,
        language: Language = "fr",
    ) -> bytes:
        """Every letter of a run in one PDF, behind a cover sheet, in the order given."""
        when = run_date or (letters[0].date if letters else date(1970, 1, 1))
        document = LetterDocument(self.fonts, when)
        labels = COVER_LABELS[language]
        document.set_title(labels["run"].format(date=long_date(when, language)))
        document.set_lang(language)
        reserved = cover_pages(len(letters))
        for _ in range(reserved):
            document.blank_page()
        for letter in letters:
            if duplex and document.page % 2 == 1:  # the next page would be a verso
                document.blank_page()
            document.add_letter(letter)
        total_pages = document.page
        document.finish(lambda doc: _draw_cover(doc, reserved, total_pages, when, duplex, language))
        return bytes(document.output())


def _draw_cover(
    doc: LetterDocument,
    reserved: int,
    total_pages: int,
    when: date,
    duplex: bool,
    language: Language,
) -> None:
    labels = COVER_LABELS[language]
    spans = doc.spans
    run = labels["run"].format(date=long_date(when, language))
    doc.enter_page(1)
    doc.use_font(16, bold=True)
    doc.set_xy(MARGIN_LEFT, 20.0)
    doc.cell(TEXT_W, 8.0, labels["title"])
    doc.use_font(11, color=GREY)
    doc.set_xy(MARGIN_LEFT, 29.0)
    doc.cell(TEXT_W, 6.0, run)
    summary = [
        (labels["letters"], number(len(spans), language)),
        (labels["pages"], number(sum(s.pages for s in spans), language)),
        (labels["file_pages"], number(total_pages, language)),
        (labels["registered"], number(sum(s.letter.formal_notice for s in spans), language)),
        (labels["printing"], labels["duplex" if duplex else "simplex"]),
    ]
    y = 42.0
    for label, value in summary:
        doc.use_font(10)
        doc.set_xy(MARGIN_LEFT, y)
        doc.cell(80.0, 6.0, label)
        doc.use_font(10, bold=True)
        doc.cell(TEXT_W - 80.0, 6.0, value)
        y += 6.5
    page, y = 1, COVER_LIST_TOP_FIRST
    _cover_head(doc, y, language)
    y += COVER_ROW_H + 0.6
    for i, span in enumerate(spans, start=1):
        if y + COVER_ROW_H > COVER_LIST_BOTTOM:
            page += 1
            doc.enter_page(page)
            doc.use_font(7.5, color=GREY)
            doc.set_xy(MARGIN_LEFT, 12.0)
            doc.cell(TEXT_W, 4.0, labels["continued"].format(date=run))
            y = COVER_LIST_TOP
            _cover_head(doc, y, language)
            y += COVER_ROW_H + 0.6
        _cover_row(doc, y, i, span, labels, language, fill=i % 2 == 0)
        y += COVER_ROW_H
    for p in range(1, reserved + 1):
        doc.enter_page(p)
        doc.use_font(7.5, color=GREY)
        doc.set_xy(TEXT_RIGHT - 40.0, 285.0)
        doc.cell(40.0, 3.4, labels["cover_page"].format(page=p, pages=reserved), align="R")


def _cover_head(doc: LetterDocument, y: float, language: Language) -> None:
    doc.use_font(8, bold=True)
    doc.set_fill_color(*HEAD_FILL)
    doc.set_xy(MARGIN_LEFT, y)
    doc.c_margin = 1.5
    titles = COVER_LABELS[language]["columns"].split("|")
    for width, align, title in zip(COVER_WIDTHS, COVER_ALIGNS, titles, strict=True):
        doc.cell(width, COVER_ROW_H + 0.6, title, align=align, fill=True)
    doc.c_margin = 0.0


def _cover_row(
    doc: LetterDocument,
    y: float,
    index: int,
    span: LetterSpan,
    labels: dict[str, str],
    language: Language,
    fill: bool,
) -> None:
    recipient = span.letter.recipient
    pages = f"{span.first}–{span.last}" if span.last > span.first else str(span.first)
    cells = (
        number(index, language),
        recipient.customer_number,
        recipient.name,
        pages,
        str(span.pages),
        labels["yes"] if span.letter.formal_notice else "",
    )
    doc.use_font(8, color=INK)
    doc.set_fill_color(*ZEBRA_FILL)
    doc.set_xy(MARGIN_LEFT, y)
    doc.c_margin = 1.5
    for width, align, text in zip(COVER_WIDTHS, COVER_ALIGNS, cells, strict=True):
        doc.cell(width, COVER_ROW_H, doc.fit(text, width - 3.0), align=align, fill=fill)
    doc.c_margin = 0.0
