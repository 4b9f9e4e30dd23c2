"""The letters' fonts: a TrueType face with "€", parsed once, lent to every PDF.

fpdf2's core fonts are Latin-1 (no "€", no narrow no-break space, which babel puts in
French amounts), so letters embed DejaVu Sans, subset to the glyphs used. Two costs make
"once per batch, not per letter" matter:
- parsing a face (`FPDF.add_font`: cmap, widths) takes ~50 ms;
- the PDF output subsets the face with fontTools, which decodes the whole font (~80 ms per
  face for DejaVu's 6,000 glyphs and its layout tables).
So `FontCache` first reduces each face, once per process, to the characters a French
company's letters use (KEPT: ~570 glyphs, without the layout tables fpdf2 drops anyway),
then parses it once; each new document gets a light copy whose parsed tables (cmap, widths,
glyph ids) are shared read-only, and whose mutable parts (its glyph subset, its descriptor,
the fontTools object that the output subsets in place) are its own. A single-letter PDF then
costs ~25 ms instead of ~120 ms. A character outside KEPT prints as a blank box (fpdf2 logs
"missing glyphs").

This leans on fpdf2's TTFFont attributes (tested on fpdf2 2.8): tests/unit/test_letters.py
renders several PDFs from one cache and reads each back.

Where the fonts are: $RELANCE_FONT_DIR, else a `fonts/` folder beside this module (for the
Lambda layer, which has no system fonts), else Debian's fonts-dejavu-core.
"""

from __future__ import annotations

import copy
import io
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools import subset, ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

FAMILY = "letter"
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
SYSTEM_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian: fonts-dejavu-core
PACKAGE_DIR = Path(__file__).resolve().parent / "fonts"

# Characters kept. Sage 100 stores text in Windows-1252, so every name and address it
# gives is in Basic Latin, Latin-1 and cp1252's extras (Œ, Š, €, typographic quotes and
# dashes, all in the blocks below); templates add French and English typography. Kept: Basic
# Latin to Latin Extended-A (other European names), the Romanian ș/ț, modifier letters,
# general punctuation (the narrow no-break space babel puts in French amounts, …), currency
# signs, №/™, arrows, −, ≤/≥, bullets and squares, the f-ligatures: about 570 glyphs. The
# fewer the glyphs, the cheaper each PDF's own subsetting (its cmap, post and loca tables).
KEPT = (
    (0x0020, 0x017F),
    (0x0218, 0x021B),
    (0x02C6, 0x02DD),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2116, 0x2116),
    (0x2122, 0x2122),
    (0x2190, 0x2193),
    (0x2212, 0x2212),
    (0x2264, 0x2265),
    (0x25A0, 0x25CF),
    (0xFB00, 0xFB06),
)
# Tables fpdf2 drops when it subsets (and kerning, which it does not apply).
DROPPED_TABLES = ("GSUB", "GPOS", "GDEF", "kern", "hdmx", "FFTM", "MATH", "meta")


@dataclass(frozen=True)
class FontFiles:
    regular: Path
    bold: Path


def default_fonts() -> FontFiles:
    """The first folder holding both faces: $RELANCE_FONT_DIR, the package's, the system's."""
    folders = [Path(d) for d in (os.environ.get("RELANCE_FONT_DIR"),) if d]
    for folder in (*folders, PACKAGE_DIR, SYSTEM_DIR):
        if (folder / REGULAR).is_file() and (folder / BOLD).is_file():
            return FontFiles(folder / REGULAR, folder / BOLD)
    tried = ", ".join(str(f) for f in (*folders, PACKAGE_DIR, SYSTEM_DIR))
    raise FileNotFoundError(f"no {REGULAR} and {BOLD} in {tried} (Debian: fonts-dejavu-core)")


@cache
def reduced_face(path: Path) -> bytes:
    """The face cut down to KEPT, as TrueType bytes (once per process and file)."""
    font = ttLib.TTFont(str(path), recalcTimestamp=False)
    options = subset.Options(
        notdef_outline=True, recommended_glyphs=True, layout_features=[], glyph_names=True
    )
    options.drop_tables += list(DROPPED_TABLES)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for lo, hi in KEPT for c in range(lo, hi + 1)])
    subsetter.subset(font)
    cmap = font["cmap"]
    cmap.tables = [t for t in cmap.tables if (t.platformID, t.platEncID) == (3, 1)]  # Windows BMP
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


class FontCache:
    """Both faces reduced and parsed once; `install` lends them to a new document in ~1 ms."""

    def __init__(self, files: FontFiles | None = None) -> None:
        files = files or default_fonts()
        scratch = FPDF()
        self._faces: dict[str, tuple[TTFFont, bytes]] = {}
        for style, path in (("", files.regular), ("B", files.bold)):
            data = reduced_face(path)
            key = FAMILY + style
            # TTFFont reads any file object fontTools does; add_font wants a path on disk.
            template = TTFFont(scratch, io.BytesIO(data), key, style)  # type: ignore[arg-type]
            self._faces[key] = (template, data)

    @classmethod
    @cache
    def shared(cls) -> FontCache:
        """The process's cache of the default fonts (a warm Lambda reuses it)."""
        return cls()

    def missing(self, text: str) -> set[str]:
        """The characters of `text` that either face cannot draw (they would print blank)."""
        return {
            c
            for c in set(text)
            if c not in "\n\r\t"
            and any(ord(c) not in face.cmap for face, _ in self._faces.values())
        }

    def install(self, pdf: FPDF) -> None:
        """Make the family usable in `pdf` (set_font(FAMILY, "" or "B")), as add_font would."""
        for key, (template, data) in self._faces.items():
            font = copy.copy(template)  # shares the parsed, read-only tables
            font.i = len(pdf.fonts) + 1
            # The output subsets this object in place and numbers this descriptor: the
            # document's own.
            font.ttfont = ttLib.TTFont(
                io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False, lazy=True
            )
            font.desc = copy.copy(template.desc)
            font.missing_glyphs = []
            font.biggest_size_pt = 0
            font.subset = SubsetMap(font)
            pdf.fonts[key] = font
