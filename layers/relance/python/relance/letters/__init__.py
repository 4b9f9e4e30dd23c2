"""Letters as PDF (C1, C18, B1): pure rendering to bytes, no AWS.

`LetterBatch` renders single-letter PDFs and a run's grouped PDF from `LetterInput`s,
with the fonts loaded once; `layout` places a letter on an A4 sheet for a French window
envelope.
"""

from relance.letters.batch import LetterBatch
from relance.letters.models import (
    Addressee,
    ClaimBreakdown,
    InvoiceRow,
    LetterInput,
    Sender,
)

__all__ = ["Addressee", "ClaimBreakdown", "InvoiceRow", "LetterBatch", "LetterInput", "Sender"]
