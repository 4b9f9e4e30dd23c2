"""Letters as PDF (C1, C18, B1): what a reader of the printed letter, the postman's window
and the person at the printer would check, read back from the PDF with pypdf."""

from __future__ import annotations

import io
import logging
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pypdf
import pytest

from relance.domain.display import DisplaySettings, money
from relance.letters import (
    Addressee,
    ClaimBreakdown,
    InvoiceRow,
    LetterBatch,
    LetterInput,
    Sender,
)
from relance.letters.fonts import FontCache
from relance.letters.layout import (
    ADDRESS_ZONE_H,
    ADDRESS_ZONE_W,
    ADDRESS_ZONE_X,
    ADDRESS_ZONE_Y,
    PAGE_H,
    LetterDocument,
)

FR, EN = DisplaySettings(), DisplaySettings(language="en")
RUN = date(2026, 11, 23)
PT = 25.4 / 72  # millimetres per PDF point


def tiny_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (90, 30), (20, 60, 120)).save(out, "PNG")
    return out.getvalue()


SENDER = Sender(
    name="Durand Métallerie SAS",
    address=("14 rue de la Charité", "69002 Lyon"),
    phone="04 78 12 34 56",
    email="compta@durand.example",
    siret="812 345 678 00024",
    legal_mentions="SAS au capital de 150 000 € · RCS Lyon 812 345 678",
    logo=tiny_png(),
)


def invoices(count: int, start: int = 1) -> tuple[InvoiceRow, ...]:
    rows = []
    for i in range(start, start + count):
        due = RUN - timedelta(days=10 + i)
        amount = Decimal(1000 + 37 * i) + Decimal("0.45")
        issued = due - timedelta(days=30)
        late = (RUN - due).days
        rows.append(InvoiceRow(number=f"FA-{i:05d}", date=issued, due_date=due, days_late=late,
                               amount=amount))  # fmt: skip
    return tuple(rows)


def letter(
    name: str = "Boulangerie Martin SARL",
    number: str = "C0421",
    rows: tuple[InvoiceRow, ...] | None = None,
    **changes: Any,
) -> LetterInput:
    values: dict[str, Any] = {
        "sender": SENDER,
        "recipient": Addressee(
            address=(name, "27 avenue Jean Jaurès", "38300 BOURGOIN-JALLIEU"),
            attention="Paul Martin",
            customer_number=number,
        ),
        "place": "Lyon",
        "date": RUN,
        "subject": "Relance : factures échues",
        "paragraphs": (
            "Madame, Monsieur,",
            "Sauf erreur de notre part, ces factures restent dues.",
        ),
        "closing": ("Nous vous prions d'agréer nos salutations distinguées.",),
        "invoices": invoices(3) if rows is None else rows,
        "signature": ("Claire Lefèvre", "Responsable du recouvrement"),
    }
    return LetterInput.model_validate({**values, **changes})


@pytest.fixture(scope="module")
def batch() -> LetterBatch:
    return LetterBatch()


def read(pdf: bytes) -> pypdf.PdfReader:
    assert pdf.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(pdf), strict=True)


def texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in read(pdf).pages]


def flat(text: str) -> str:
    """Lines joined, runs of spaces collapsed; babel's no-break spaces kept."""
    return re.sub(r"[ \n]+", " ", text)


def test_a_letter_names_its_customer_invoices_and_total_in_french(batch: LetterBatch) -> None:
    rows = invoices(4)
    pdf = batch.letter_pdf(letter(rows=rows))
    [text] = texts(pdf)
    assert "Boulangerie Martin SARL" in text
    for row in rows:
        assert row.number in text
        assert money(row.amount, "EUR", FR) in text
    total = sum((row.amount for row in rows), Decimal(0))
    assert money(total, "EUR", FR) == "4\u202f371,80\xa0€"
    assert money(total, "EUR", FR) in text
    assert "Lyon, le 23 novembre 2026" in text
    assert "Vos références : client n° C0421" in text
    assert "Objet : Relance : factures échues" in text
    assert "Page 1/1" in text
    assert "SIRET 812 345 678 00024" in text  # the legal mentions, in the footer
    assert "LETTRE RECOMMANDÉE" not in text  # a plain reminder is not registered


def test_eighty_invoices_run_over_pages_numbered_with_the_heading_repeated(
    batch: LetterBatch,
) -> None:
    rows = invoices(80)
    pages = texts(batch.letter_pdf(letter(rows=rows)))
    total = len(pages)
    assert total >= 3
    for i, text in enumerate(pages, start=1):
        assert f"Page {i}/{total}" in text
    with_rows = [t for t in pages if re.search(r"FA-\d{5}", t)]
    assert len(with_rows) >= 2
    for text in with_rows:  # every page of the table starts with its column headings
        assert "N° de facture" in text and "Montant dû" in text
    numbers = re.findall(r"FA-\d{5}", "\n".join(pages))
    assert numbers == [row.number for row in rows]  # all of them, once, in order
    assert "(suite)" in pages[1]  # later pages carry a running head


def positions(page: pypdf.PageObject) -> list[tuple[str, float, float, float]]:
    """Each text run on a page: its text, x and baseline y from the top (mm), size (pt)."""
    found: list[tuple[str, float, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float) -> None:
        if text.strip():
            x = tm[4] * cm[0] + cm[4]
            y = tm[5] * cm[3] + cm[5]
            found.append((text.strip(), x * PT, PAGE_H - y * PT, size))

    page.extract_text(visitor_text=visit)
    return found


@pytest.mark.parametrize(
    "address",
    [
        ("Boulangerie Martin SARL", "27 avenue Jean Jaurès", "38300 BOURGOIN-JALLIEU"),
        (
            "Société Coopérative Agricole du Haut-Dauphiné",  # > 38 characters: shrinks
            "Service comptabilité fournisseurs",
            "Bâtiment C, entrée 2",
            "1250 route départementale de la Vallée Verte",
            "BP 42",
            "38300 BOURGOIN-JALLIEU CEDEX",
            "FRANCE",
        ),
    ],
)
def test_the_address_lies_in_the_envelope_window(
    batch: LetterBatch, address: tuple[str, ...]
) -> None:
    the_letter = letter(recipient=Addressee(address=address, attention="Paul Martin"))
    page = read(batch.letter_pdf(the_letter)).pages[0]
    runs = {text: (x, y, size) for text, x, y, size in positions(page)}
    measure = LetterDocument(FontCache.shared(), RUN)
    printed = measure.address_lines(the_letter)
    if len(address) < 7:  # line 2 of NF Z 10-011, when there is room for it
        assert printed[1] == "À l'attention de Paul Martin"
    assert len(printed) <= 7 and printed[-2:] == list(address[-2:])
    for i, line in enumerate(printed):
        assert line in runs, line
        x, baseline, size = runs[line]
        measure.use_font(size, bold=i == 0)
        width = measure.get_string_width(line)
        top = baseline - size * PT  # the glyphs' top, at most one em above the baseline
        # (PDF coordinates are written to 1/100 pt: a hundredth of a mm of slack)
        left, right = ADDRESS_ZONE_X - 0.01, ADDRESS_ZONE_X + ADDRESS_ZONE_W
        assert left <= x < x + width <= right, line
        assert ADDRESS_ZONE_Y <= top < baseline <= ADDRESS_ZONE_Y + ADDRESS_ZONE_H, line
    # Nothing else is printed in the window.
    others = [t for t, x, y, _ in positions(page) if t not in printed]
    for text in others:
        x, y, _ = runs[text]
        in_x = ADDRESS_ZONE_X - 1 <= x <= ADDRESS_ZONE_X + ADDRESS_ZONE_W
        assert not (in_x and ADDRESS_ZONE_Y <= y <= ADDRESS_ZONE_Y + ADDRESS_ZONE_H), text


def test_the_grouped_pdf_has_a_cover_then_each_letter_in_order(batch: LetterBatch) -> None:
    customers = [("Zinc & Fils", "C0003"), ("Atelier Brun", "C0001"), ("Maison Chevalier", "C0002")]
    letters = [
        letter(name, number, rows=invoices(40 if i == 1 else 2, start=10 * i))
        for i, (name, number) in enumerate(customers)
    ]
    letters[2] = letters[2].model_copy(update={"formal_notice": True})
    pdf = batch.grouped_pdf(letters, run_date=RUN)
    pages = texts(pdf)
    cover = flat(pages[0])
    assert "Lettres à imprimer" in cover and "Traitement du 23 novembre 2026" in cover
    assert "Lettres 3" in cover
    letter_pages = len(pages) - 1
    assert f"Pages de lettres {letter_pages}" in cover
    assert "Dont lettres recommandées avec AR 1" in cover
    listed = [cover.index(name) for name, _ in customers]
    assert listed == sorted(listed)  # the cover lists them in the run's order
    firsts = [i for i, text in enumerate(pages) if re.search(r"Page 1/\d+", text)]
    assert len(firsts) == 3
    for (name, number), first in zip(customers, firsts, strict=True):
        assert name in pages[first] and f"client n° {number}" in pages[first]
    assert firsts[0] == 1  # right after the one-page cover
    assert firsts[2] - firsts[1] >= 2  # the 40-invoice letter takes more than a page
    assert "LETTRE RECOMMANDÉE" in pages[firsts[2]]


def test_duplex_starts_every_letter_on_a_recto(batch: LetterBatch) -> None:
    letters = [
        letter(f"Client {i}", f"C{i:04d}", rows=invoices(45 if i == 0 else 1)) for i in range(3)
    ]
    pages = texts(batch.grouped_pdf(letters, run_date=RUN, duplex=True))
    firsts = [i + 1 for i, text in enumerate(pages) if re.search(r"Page 1/\d+", text)]
    assert len(firsts) == 3 and all(p % 2 == 1 for p in firsts)  # 1-based: odd = recto
    assert "recto verso" in pages[0]


def test_a_long_run_has_a_cover_over_several_pages(batch: LetterBatch) -> None:
    letters = [letter(f"Client {i:03d}", f"C{i:04d}", rows=invoices(1)) for i in range(70)]
    pages = texts(batch.grouped_pdf(letters, run_date=RUN))
    cover = [i for i, t in enumerate(pages) if "Couverture" in t]
    assert cover == [0, 1]
    joined = "\n".join(pages[i] for i in cover)
    assert "Client 000" in joined and "Client 069" in joined
    assert len(pages) == 2 + 70


def test_a_formal_notice_is_registered_and_breaks_the_claim_down(batch: LetterBatch) -> None:
    claim = ClaimBreakdown.from_record(
        {
            "principal": Decimal("4932.60"),
            "penalties": Decimal("167.41"),
            "indemnities": Decimal("120.00"),
            "total": Decimal("5220.01"),
            "lines": [
                {"entry": 1, "principal": Decimal("2184.00"), "days_late": 128,
                 "penalty": Decimal("94.04"), "indemnity": Decimal("40.00")},
                {"entry": 2, "principal": Decimal("1452.60"), "days_late": 94,
                 "penalty": Decimal("45.93"), "indemnity": Decimal("40.00")},
                {"entry": 3, "principal": Decimal("1296.00"), "days_late": 67,
                 "penalty": Decimal("27.44"), "indemnity": Decimal("40.00")},
            ],
        }
    )  # fmt: skip
    assert claim.indemnity_count == 3
    the_letter = letter(formal_notice=True, claim=claim, subject="Mise en demeure de payer")
    text = flat("\n".join(texts(batch.letter_pdf(the_letter))))
    assert "LETTRE RECOMMANDÉE AVEC ACCUSÉ DE RÉCEPTION" in text
    assert f"Principal restant dû {money(Decimal('4932.60'), 'EUR', FR)}" in text
    assert f"(art. L441-10 du Code de commerce) {money(Decimal('167.41'), 'EUR', FR)}" in text
    assert "(3 × 40,00\xa0€)" in text and money(Decimal("120.00"), "EUR", FR) in text
    assert f"Total réclamé {money(Decimal('5220.01'), 'EUR', FR)}" in text


def test_the_euro_sign_is_drawn_with_an_embedded_font(
    batch: LetterBatch, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        pdf = batch.letter_pdf(letter(rows=invoices(2)))
    assert not [r for r in caplog.records if "missing" in r.getMessage()]  # every glyph found
    page = read(pdf).pages[0]
    fonts = page["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        assert font["/Subtype"] == "/Type0"  # a TrueType face, subset, not a core font
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor
    assert "€" in page.extract_text()
    import pypdfium2 as pdfium  # a second reader agrees, and draws the page

    document = pdfium.PdfDocument(pdf)
    try:
        assert "€" in document[0].get_textpage().get_text_range()
        image = document[0].render(scale=0.5).to_pil()
        assert image.getbbox() is not None
    finally:
        document.close()


def test_one_font_cache_serves_many_documents(batch: LetterBatch) -> None:
    """Each PDF subsets its own copy of the fonts: later ones are whole and readable."""
    names = ["Œnologie Dupré", "Ångström Ltd", "Café Zoë"]
    pdfs = [batch.letter_pdf(letter(name, rows=invoices(1))) for name in names]
    for name, pdf in zip(names, pdfs, strict=True):
        [text] = texts(pdf)
        assert name in text and "€" in text
        assert len(pdf) < 60_000  # subset fonts, the logo once


def test_the_logo_is_embedded_once_in_a_grouped_pdf(batch: LetterBatch) -> None:
    reader = read(batch.grouped_pdf([letter(f"Client {i}") for i in range(5)], run_date=RUN))
    images = set()
    for page in reader.pages[1:]:
        xobjects = page["/Resources"].get("/XObject", {})
        images |= {ref.idnum for ref in xobjects.values()}
    assert len(images) == 1


def test_an_english_letter_speaks_english(batch: LetterBatch) -> None:
    the_letter = letter(language="en", subject="Overdue invoices", rows=invoices(2))
    text = flat(texts(batch.letter_pdf(the_letter))[0])
    assert "Lyon, 23 November 2026" in text
    assert "Your reference: customer no. C0421" in text
    assert "For the attention of Paul Martin" in text
    assert "Invoice no." in text and "Days late" in text
    assert money(invoices(2)[0].amount, "EUR", EN) in text  # €1,037.45


def test_the_first_of_the_month_reads_premier(batch: LetterBatch) -> None:
    text = texts(batch.letter_pdf(letter(date=date(2026, 12, 1))))[0]
    assert "Lyon, le 1er décembre 2026" in text


def test_characters_the_fonts_cannot_draw_are_reported(batch: LetterBatch) -> None:
    """Sage 100's Windows-1252 text always prints; a Cyrillic name would print blank, and
    the check before printing (a template on save, a preview) can say so."""
    cp1252 = bytes(range(0x20, 0x7F)).decode() + bytes(range(0xA0, 0x100)).decode("cp1252")
    extras = "ŒœŠšŽžŸ€–—‘’‚“”„†‡•…‰‹›™"
    assert batch.missing_characters(letter(cp1252 + extras)) == ""
    assert batch.missing_characters(letter("ООО Ромашка")) == "".join(sorted(set("ОРомашка")))


def test_lines_break_at_spaces_never_inside_an_amount() -> None:
    document = LetterDocument(FontCache.shared(), RUN)
    document.add_page()
    document.use_font(9.5)
    amounts = [money(Decimal(n) + Decimal("0.56"), "EUR", FR) for n in (1234, 98765, 5220)]
    text = "Veuillez régler " + ", puis ".join(amounts) + " sous huit jours, merci."
    for width in (30.0, 45.0, 60.0):
        lines = document.wrap(text, width)
        assert " ".join(line for line, _ in lines) == text
        assert lines[-1][1] and not any(last for _, last in lines[:-1])
        for amount in amounts:  # "1 234,56 €" keeps its no-break spaces, on one line
            assert any(amount in line for line, _ in lines)
        for line, _ in lines:
            assert document.get_string_width(line) <= width
