"""Rendering templates in a sandbox, and checking them when they are saved (C12).

- `render(template, context) -> Rendered(subject, html, text, blocks)`: an email's body is
  HTML (autoescaped: a customer called "<script>" stays text); its text part is derived
  from the HTML. A letter's or a call script's body is plain text; its HTML is derived
  from the text. `blocks` are the paragraphs and tables of either (text.py), for a PDF.
  A failure raises `RenderError` with the line and the reason.
- `check(template) -> list[Problem]`: what refuses a template on save, so that nothing
  fails at 2 a.m.: syntax errors (with their line), names that are not documented
  variables (context.VARIABLES: found in the source, in every branch, including
  attributes of documented objects and of loop rows), anything the sandbox refuses
  (private attributes, `''.__class__`...), and any error, oversized output or slowness
  when it is rendered against each example context (several steps, an empty one, several
  currencies). An empty list: the template may be saved.
- `preview(template)`: the template rendered with the documented example values.

Jinja2's ImmutableSandboxedEnvironment (no access to private attributes or internals, no
changing the context's lists and dicts), StrictUndefined (an unknown name is an error, not
an empty string), and a few more limits against templates that would exhaust memory.
"""

from __future__ import annotations

import re
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from html import escape
from typing import Any, Literal, NamedTuple

from jinja2 import StrictUndefined, nodes, pass_context
from jinja2 import Template as JinjaTemplate
from jinja2.exceptions import TemplateSyntaxError
from jinja2.meta import find_undeclared_variables
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup

from relance.domain.templates import blocks as library
from relance.domain.templates.context import (
    CHECK_KINDS,
    NAMES,
    OBJECTS,
    PREVIEW_KIND_OF,
    TOP_LEVEL,
    ExampleKind,
    shared_example,
)
from relance.domain.templates.model import Template
from relance.domain.templates.text import (
    Block,
    blocks_html,
    blocks_text,
    html_blocks,
    text_blocks,
)

MAX_OUTPUT = 200_000  # characters of a rendered body
MAX_REPEAT = 10_000  # longest string or list a template may build with * (or a width)
MAX_EXPONENT = 64
CHECK_SECONDS = 0.5  # one render of an example slower than this is refused
SOURCE = "<template>"  # the file name Jinja gives a template's own frames

Part = Literal["subject", "body"]
Code = Literal["syntax", "unknown_variable", "unsafe", "render", "too_large", "too_slow"]


class Problem(NamedTuple):
    line: int | None  # 1-based line of the subject or body; None when it has none
    reason: str
    part: Part = "body"
    code: Code = "render"

    def public(self) -> dict[str, Any]:
        return self._asdict()


class RenderError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem.part} line {problem.line}: {problem.reason}")
        self.problem = problem


class Rendered(NamedTuple):
    subject: str
    html: str
    text: str
    blocks: tuple[Block, ...]


# -- the sandbox ----------------------------------------------------------------------------
# String methods that build a string as wide as asked: refused (use the `~` operator).
_WIDE_METHODS = frozenset({"format", "format_map", "center", "ljust", "rjust", "zfill",
                           "expandtabs"})  # fmt: skip


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"exponent larger than {MAX_EXPONENT}")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(times, int)
                    and len(seq) * times > MAX_REPEAT
                ):
                    raise SecurityError(f"a repetition longer than {MAX_REPEAT}")
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value: Any) -> None:
        return None  # str.format and format_map are refused outright (is_safe_attribute)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr in _WIDE_METHODS:
            return False
        return bool(super().is_safe_attribute(obj, attr, value))


def _narrow(name: str, filter_: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose integer arguments (widths, counts) are capped."""

    def guarded(*args: Any, **kwargs: Any) -> Any:
        for value in (*args[1:], *kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and value > MAX_REPEAT:
                raise SecurityError(f"{name}: {value} is more than {MAX_REPEAT}")
        return filter_(*args, **kwargs)

    return guarded


def _format(value: Any, *args: Any, **kwargs: Any) -> str:
    """The `format` filter ("%s" style) without widths or precisions that blow up."""
    if re.search(r"%[-+ #0]*(\*|\d{4,})|\.(\*|\d{4,})", str(value)):
        raise SecurityError("format: width or precision too large")
    if args and kwargs:
        raise SecurityError("format: positional or named arguments, not both")
    return str(value) % (kwargs or args)


def _range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_REPEAT:
        raise SecurityError(f"a range longer than {MAX_REPEAT}")
    return numbers


def _cell(value: Any) -> str:
    """A value put in a pipe table of a letter: no pipe, no line break."""
    return " ".join(str(value).replace("|", "¦").split())


def _blocks(env: _Sandbox, html: bool) -> dict[str, Callable[..., Any]]:
    """The block library as global functions: each renders its own small template (compiled
    once) with the variables of the template that calls it, when it is called."""
    compiled = {
        name: env.template_class.from_code(
            env,
            env.compile(source, name=f"block {name}", filename=f"<block {name}>"),
            env.make_globals({"LABELS": library.LABELS}),
        )
        for name, source in library.sources("email" if html else "text").items()
    }

    def run(name: str, context: Context, **more: Any) -> str:
        out = compiled[name].render({**context.get_all(), **more})
        return Markup(out) if html else out

    @pass_context
    def invoice_table(context: Context, days_late: bool = True) -> str:
        return run("invoice_table", context, show_days_late=bool(days_late))

    @pass_context
    def claim_table(context: Context) -> str:
        return run("claim_table", context)

    @pass_context
    def bank_details(context: Context) -> str:
        return run("bank_details", context)

    @pass_context
    def signature(context: Context) -> str:
        return run("signature", context)

    return {"invoice_table": invoice_table, "claim_table": claim_table,
            "bank_details": bank_details, "signature": signature}  # fmt: skip


def _environment(html: bool) -> _Sandbox:
    env = _Sandbox(
        undefined=StrictUndefined,
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals.pop("lipsum", None)  # generates text of any length
    env.globals["range"] = _range
    env.filters["cell"] = _cell
    env.filters["format"] = _format
    for name in ("center", "indent", "slice", "batch", "wordwrap", "truncate"):
        env.filters[name] = _narrow(name, env.filters[name])
    env.globals.update(_blocks(env, html))
    return env


HTML = _environment(html=True)
TEXT = _environment(html=False)
GLOBALS = frozenset(HTML.globals)


@lru_cache(maxsize=1024)
def _compiled(html: bool, source: str) -> JinjaTemplate:
    return (HTML if html else TEXT).from_string(source)


def _source(template: Template, part: Part) -> tuple[str, bool]:
    if part == "subject":
        return template.subject, False
    return template.body, template.is_html


# -- rendering ------------------------------------------------------------------------------
def _line_of(err: BaseException) -> int | None:
    """The template line an error happened on: the innermost frame of the template's own
    code (an error inside a block is reported on the line that called it)."""
    line = getattr(err, "lineno", None)
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename == SOURCE and frame.lineno:
            line = frame.lineno
    return line


def _reason(err: BaseException) -> tuple[str, Code]:
    if isinstance(err, SecurityError):
        return f"refused by the sandbox: {err}", "unsafe"
    if isinstance(err, RecursionError):
        return "too deeply nested (recursion)", "render"
    message = str(err) or type(err).__name__
    if "has no attribute" in message or "is undefined" in message:
        return f"unknown variable or attribute: {message}", "unknown_variable"
    return f"{type(err).__name__}: {message}", "render"


def _run(template: Template, part: Part, context: Mapping[str, Any]) -> str:
    source, html = _source(template, part)
    try:
        return _compiled(html, source).render(context)
    except TemplateSyntaxError as err:
        raise RenderError(Problem(err.lineno, err.message or str(err), part, "syntax")) from err
    except Exception as err:  # whatever a template does wrong, the caller gets a Problem
        reason, code = _reason(err)
        raise RenderError(Problem(_line_of(err), reason, part, code)) from err


def _one_line(text: str) -> str:
    return " ".join(part for part in text.replace("\r", " ").replace("\n", " ").split(" ") if part)


def email_document(subject: str, body: str, language: str) -> str:
    """An email's HTML around the template's body: inline styles only (mail clients)."""
    return (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(subject)}</title>\n</head>\n"
        '<body style="margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;'
        'font-size:14px;line-height:1.5;color:#222222">\n'
        f'<div style="max-width:680px">\n{body.strip()}\n</div>\n</body>\n</html>\n'
    )


def render(template: Template, context: Mapping[str, Any]) -> Rendered:
    """One message. Raises RenderError (with line and reason) if the template fails."""
    subject = _one_line(_run(template, "subject", context)) if template.subject else ""
    body = _run(template, "body", context)
    if len(body) > MAX_OUTPUT:
        raise RenderError(
            Problem(None, f"the message is longer than {MAX_OUTPUT} characters", "body",
                    "too_large")
        )  # fmt: skip
    if template.is_html:
        found = html_blocks(body)
        return Rendered(
            subject, email_document(subject, body, template.language), blocks_text(found),
            tuple(found),
        )  # fmt: skip
    found = text_blocks(body)
    return Rendered(subject, blocks_html(found), blocks_text(found), tuple(found))


def preview(template: Template, kind: ExampleKind | None = None) -> Rendered:
    """The template with the documented example values (a default template's own step
    example, else the fullest: a formal notice claiming penalties)."""
    chosen = kind or PREVIEW_KIND_OF.get(template.template_id, "claim")
    return render(template, shared_example(template.language, chosen))


# -- checking -------------------------------------------------------------------------------
def _dotted(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_dotted(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        arg = node.arg.value if isinstance(node.arg, nodes.Const) else "…"
        return f"{_dotted(node.node)}[{arg!r}]"
    return "…"


def _key(node: nodes.Getattr | nodes.Getitem) -> str | int | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str | int):
        value: str | int = node.arg.value
        return value
    return None


class _Scope:
    """What a name stands for: a documented path, a loop row of a documented list, or
    something the template made itself (not checked here: rendering checks it)."""

    def __init__(self, ast: nodes.Template) -> None:
        loops = [f for f in ast.find_all(nodes.For) if isinstance(f.target, nodes.Name)]
        targets = {f.target.name for f in loops if isinstance(f.target, nodes.Name)}
        made = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
        self.made = made - targets
        self.rows: dict[str, set[str]] = {}
        for loop in loops:  # outer loops first: a row of a row resolves
            assert isinstance(loop.target, nodes.Name)
            rows = {f"{p}[]" for p in self.paths(loop.iter)}
            self.rows.setdefault(loop.target.name, set()).update(r for r in rows if r in OBJECTS)
            if not rows & OBJECTS:  # a loop over something else: this name is not checked
                self.made.add(loop.target.name)

    def paths(self, node: nodes.Node) -> set[str]:
        if isinstance(node, nodes.Name):
            if node.name in self.made:
                return set()
            if node.name in self.rows:
                return set(self.rows[node.name])
            return {node.name} if node.name in TOP_LEVEL else set()
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            key = _key(node)
            bases = self.paths(node.node)
            if key is None:
                return set()
            if isinstance(key, int):
                return {f"{b}[]" for b in bases}
            return {f"{b}.{key}" for b in bases}
        return set()


def _fields(path: str) -> str:
    prefix = f"{path}."
    return ", ".join(sorted(n[len(prefix) :] for n in NAMES if n.startswith(prefix)))


def _static(ast: nodes.Template, part: Part) -> Iterator[Problem]:
    """Problems visible in the source, in every branch, without rendering."""
    declared = set(TOP_LEVEL) | GLOBALS
    for name in sorted(find_undeclared_variables(ast) - declared):
        lines = [n.lineno for n in ast.find_all(nodes.Name) if n.name == name]
        yield Problem(min(lines, default=None), f"unknown variable '{name}'", part,
                      "unknown_variable")  # fmt: skip
    scope = _Scope(ast)
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, nodes.Getattr | nodes.Getitem)
        key = _key(node)
        if isinstance(key, str) and key.startswith("_"):
            yield Problem(node.lineno, f"refused by the sandbox: '{key}' (names starting "
                          "with _ are private)", part, "unsafe")  # fmt: skip
            continue
        if not isinstance(key, str):
            continue
        bases = scope.paths(node.node)
        if (
            bases
            and all(b in OBJECTS for b in bases)
            and not any(f"{b}.{key}" in NAMES for b in bases)
        ):
            base = sorted(bases)[0]
            yield Problem(
                node.lineno,
                f"unknown variable '{_dotted(node)}' ({_dotted(node.node)} has: {_fields(base)})",
                part, "unknown_variable",
            )  # fmt: skip


def check(template: Template) -> list[Problem]:
    """Why this template cannot be saved; empty when it can."""
    problems: list[Problem] = []
    parts: list[Part] = ["subject", "body"] if template.subject else ["body"]
    for part in parts:
        source, html = _source(template, part)
        env = HTML if html else TEXT
        try:
            ast = env.parse(source)
        except TemplateSyntaxError as err:
            problems.append(Problem(err.lineno, err.message or str(err), part, "syntax"))
            continue
        problems += _static(ast, part)
    if problems:
        return _sorted(problems)
    seen: set[Problem] = set()
    for kind in CHECK_KINDS:
        context = shared_example(template.language, kind)
        started = time.perf_counter()
        try:
            render(template, context)
        except RenderError as err:
            if err.problem not in seen:  # said once, with the first example that shows it
                seen.add(err.problem)
                reason = f"{err.problem.reason} (with the {kind!r} example)"
                problems.append(err.problem._replace(reason=reason))
            continue
        if time.perf_counter() - started > CHECK_SECONDS:
            problems.append(Problem(None, f"rendering takes more than {CHECK_SECONDS} s",
                                    "body", "too_slow"))  # fmt: skip
    return _sorted(problems)


def _sorted(problems: list[Problem]) -> list[Problem]:
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda p: (p.part != "subject", p.line or 0, p.reason))
