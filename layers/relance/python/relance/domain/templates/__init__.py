"""Reminder templates (C12, issue 5): models, documented variables, sandboxed rendering,
checks on save and the default French and English templates. Pure: no I/O, no clock.

For the engineer wiring the dispatch (store -> SES / PDF / tasks):
- The tenant's templates are a `TemplateSet` (one document per tenant; `TemplateSet()` when
  none: every step then uses the defaults). `TemplateSet.resolve(action["template"],
  language, action["channel"])` gives the template to send (falls back to the closest
  channel, then to the other language; None: a custom id nobody wrote -> alert).
- `build_context(action, customer, company_info, collector, language, as_of, ledger=...,
  currencies=...)` builds the variables from a stored action (nightly.action_record).
- `render(template, context)` -> `Rendered(subject, html, text, blocks)`; raises
  `RenderError(problem)`: fall back to the default template and raise an alert.
  Email: `html` and `text` are the two SES parts. Letter: `subject` is the "Objet" line,
  `blocks` the paragraphs and tables for the PDF (`letter_parts(blocks)` cuts them into
  the paragraphs before the first table, the tables, and the paragraphs after).
- On save (API): `check(template)` -> problems (line, reason, part, code); save only if
  empty. `preview(template)` renders it with the documented examples; `VARIABLES` and
  `BLOCKS` are the documentation to show.
"""

from relance.domain.templates.context import (
    BLOCKS,
    VARIABLES,
    Block,
    Collector,
    CompanyInfo,
    Variable,
    build_context,
    example_context,
    transfer_reference,
)
from relance.domain.templates.defaults import DEFAULT_TEMPLATES, default_template
from relance.domain.templates.model import Language, Template, TemplateSet
from relance.domain.templates.render import (
    Problem,
    Rendered,
    RenderError,
    check,
    preview,
    render,
)
from relance.domain.templates.text import LetterParts, Paragraph, Table, letter_parts

__all__ = [
    "BLOCKS",
    "DEFAULT_TEMPLATES",
    "VARIABLES",
    "Block",
    "Collector",
    "CompanyInfo",
    "Language",
    "LetterParts",
    "Paragraph",
    "Problem",
    "RenderError",
    "Rendered",
    "Table",
    "Template",
    "TemplateSet",
    "Variable",
    "build_context",
    "check",
    "default_template",
    "example_context",
    "letter_parts",
    "preview",
    "render",
    "transfer_reference",
]
