"""Example outputs of the default templates, written to docs/examples/ for readers.

- docs/examples/prevenance_fr.html: the French pre-due notice email (HTML part);
- docs/examples/prevenance_fr.txt: its text part;
- docs/examples/mise_en_demeure_fr.txt: the French R5 letter (mise en demeure): its
  "Objet" line and body, as the letter's PDF prints them (the PDF and its PNG are the
  letters' job).
All rendered with the documented example values (templates.context: Ateliers Martin SAS
reminds Boulangerie Dupont SARL on 23 November 2026). Usage: python -m bench.examples
"""

from __future__ import annotations

from pathlib import Path

from relance.domain.templates import default_template, preview

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"


def write_examples(folder: Path = EXAMPLES) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    notice = default_template("prevenance", "fr", "email")
    formal = default_template("mise_en_demeure", "fr", "letter")
    assert notice is not None and formal is not None
    email = preview(notice)
    letter = preview(formal)
    files = {
        "prevenance_fr.html": email.html,
        "prevenance_fr.txt": f"Objet : {email.subject}\n\n{email.text}\n",
        "mise_en_demeure_fr.txt": f"Objet : {letter.subject}\n\n{letter.text}\n",
    }
    written = []
    for name, content in files.items():
        path = folder / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_examples():
        print(path.relative_to(ROOT))
