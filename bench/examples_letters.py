"""Example letters for readers: a French formal notice (R5, mise en demeure) as PDF, and its
first page as PNG, in docs/examples/. The penalties come from the domain (B1), as a night
run computes them. Usage: python -m bench.examples_letters
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

from relance.domain.display import DisplaySettings, money
from relance.domain.dunning.penalties import RateTable, claim
from relance.domain.records import Customer
from relance.letters import (
    Addressee,
    ClaimBreakdown,
    InvoiceRow,
    LetterBatch,
    LetterInput,
    Sender,
)
from relance.letters.fonts import default_fonts
from relance.letters.layout import long_date

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
RUN_DATE = date(2026, 11, 23)
PNG_DPI = 100
IBAN = "FR76 3000 4012 3400 0101 2345 678".replace(" ", "\u00a0")  # never cut across lines


def sample_logo(initials: str = "DM", width: int = 360, height: int = 120) -> bytes:
    """A small PNG logo: a blue mark with initials, and a rule (made here, no file)."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((4, 4, height - 4, height - 4), radius=18, fill=(20, 60, 120))
    bold = ImageFont.truetype(str(default_fonts().bold), 54)
    draw.text((height / 2, height / 2), initials, font=bold, fill="white", anchor="mm")
    draw.rectangle((height + 14, height / 2 - 3, width - 8, height / 2 + 3), fill=(200, 140, 40))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def sample_sender(logo: bytes | None = None) -> Sender:
    return Sender(
        name="Durand Métallerie SAS",
        address=("14 rue de la Charité", "69002 Lyon"),
        phone="04 78 12 34 56",
        email="recouvrement@durand-metallerie.fr",
        siret="812 345 678 00024",
        legal_mentions=(
            "SAS au capital de 150 000 € · RCS Lyon 812 345 678 · TVA FR42 812345678 · APE 2511Z"
        ),
        logo=logo,
    )


def formal_notice() -> LetterInput:
    """R5: a mise en demeure for three invoices, 67 to 128 days late, with B1's claim."""
    customer = Customer(company="DM", number="C0421", name="Boulangerie Martin SARL")
    invoices = [
        ("FA-2026-0712", date(2026, 6, 18), date(2026, 7, 18), Decimal("2184.00")),
        ("FA-2026-0857", date(2026, 7, 22), date(2026, 8, 21), Decimal("1452.60")),
        ("FA-2026-0931", date(2026, 8, 18), date(2026, 9, 17), Decimal("1296.00")),
    ]
    entries = {i: row for i, row in enumerate(invoices, start=1)}
    claimed = claim(
        customer, [(i, amount, due) for i, (_, _, due, amount) in entries.items()],
        RUN_DATE, RateTable(),
    )  # fmt: skip
    record = {
        "principal": claimed.principal,
        "penalties": claimed.penalties,
        "indemnities": claimed.indemnities,
        "total": claimed.total,
        "lines": [{"entry": li.entry, "indemnity": li.indemnity} for li in claimed.lines],
    }
    breakdown = ClaimBreakdown.from_record(record)
    fr = DisplaySettings()
    total = money(breakdown.total, "EUR", fr)
    deadline = "huit jours"
    return LetterInput(
        sender=sample_sender(sample_logo()),
        recipient=Addressee(
            address=(
                "Boulangerie Martin SARL",
                "27 avenue Jean Jaurès",
                "Zone artisanale des Éparres",
                "38300 BOURGOIN-JALLIEU",
            ),
            attention="M. Paul Martin, gérant",
            customer_number="C0421",
        ),
        place="Lyon",
        date=RUN_DATE,
        subject="Mise en demeure de payer — factures échues impayées",
        our_reference="R5-C0421-20261123",
        paragraphs=(
            "Madame, Monsieur,",
            "Malgré nos relances des 7 septembre, 5 octobre et 26 octobre 2026, restées sans "
            "réponse, les factures ci-dessous, toutes échues et non contestées, demeurent "
            "impayées à ce jour.",
        ),
        invoices=tuple(
            InvoiceRow(
                number=number,
                date=issued,
                due_date=due,
                days_late=(RUN_DATE - due).days,
                amount=amount,
            )
            for number, issued, due, amount in invoices
        ),
        claim=breakdown,
        closing=(
            "Conformément aux articles L441-10 et D441-5 du Code de commerce, ces sommes "
            "portent de plein droit des pénalités de retard au taux de la Banque centrale "
            "européenne majoré de dix points, dès le lendemain de leur échéance, et chaque "
            "facture payée en retard donne lieu à une indemnité forfaitaire pour frais de "
            "recouvrement de 40 €.",
            f"En conséquence, nous vous mettons en demeure de nous régler la somme de {total} "
            f"dans un délai de {deadline} à compter de la réception de la présente, par "
            f"virement sur notre compte IBAN {IBAN} (référence à "
            "rappeler : C0421) ou par chèque à l'ordre de Durand Métallerie SAS.",
            "À défaut de règlement dans ce délai, nous saisirons sans autre avis le président "
            "du tribunal de commerce compétent d'une requête en injonction de payer, les frais "
            "de procédure restant à votre charge.",
            "Si votre règlement nous est parvenu entre-temps, nous vous prions de ne pas tenir "
            "compte de ce courrier.",
            "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations "
            "distinguées.",
        ),
        formal_notice=True,
        signature=(
            "Claire Lefèvre",
            "Responsable du recouvrement",
            "Ligne directe : 04 78 12 34 60",
        ),
        language="fr",
    )


def first_page_png(pdf: bytes, dpi: int = PNG_DPI) -> bytes:
    document = pdfium.PdfDocument(pdf)
    try:
        bitmap = document[0].render(scale=dpi / 72)
        image = bitmap.to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def main() -> None:
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    pdf = LetterBatch().letter_pdf(formal_notice())
    (EXAMPLES / "mise_en_demeure_fr.pdf").write_bytes(pdf)
    (EXAMPLES / "mise_en_demeure_fr.png").write_bytes(first_page_png(pdf))
    print(f"{long_date(RUN_DATE, 'fr')}: {len(pdf):,} bytes -> {EXAMPLES}")


if __name__ == "__main__":
    main()
