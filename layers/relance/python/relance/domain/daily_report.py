"""The daily cash report (K1): who receives it, when it is due, and what it says. Pure.

Due: when the recipient's local time has passed 07:00 (its display settings' zone), once
per local day (services/daily_report.py claims the day before sending). Figures are of the
recipient's scope: a collector's portfolio, an admin's (or a viewer's) whole tenant.
"Since the previous report" (top movers, promises broken, disputes opened) compares with
the snapshot the previous report kept: per customer its balance, broken promises and open
disputes (the follow-up rollups' counters), so no timeline has to be read.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from relance.domain.display import DisplaySettings, day, money

SEND_FROM = time(7, 0)  # local time from which the day's report goes
TOP_MOVERS = 5
CURRENCY = "EUR"
ZERO = Decimal("0")


class DailyReportSettings(BaseModel):
    """Who receives the report: user ids of the tenant (the admin chooses)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    recipients: list[str] = Field(default_factory=list, max_length=500)
    version: int = Field(default=0, ge=0)


class DailyReportSettingsBody(DailyReportSettings):
    version: int = Field(ge=0)


def report_day(now: datetime, settings: DisplaySettings) -> date | None:
    """The local day whose report is due at `now` for a user, None before 07:00 there."""
    local = now.astimezone(settings.zone)
    return local.date() if local.time() >= SEND_FROM else None


# Per customer key "company/number": (balance, broken promises, open disputes).
Snapshot = dict[str, tuple[Decimal, int, int]]


@dataclass(frozen=True)
class Mover:
    name: str
    company: str
    number: str
    before: Decimal
    after: Decimal

    @property
    def change(self) -> Decimal:
        return self.after - self.before


def movers(
    previous: Snapshot | None, current: Snapshot, names: Mapping[str, str], top: int = TOP_MOVERS
) -> list[Mover]:
    """The customers whose balance moved most since the previous snapshot (none at the
    first report: nothing to compare with)."""
    if previous is None:
        return []
    found = []
    for key in previous.keys() | current.keys():
        before = previous.get(key, (ZERO, 0, 0))[0]
        after = current.get(key, (ZERO, 0, 0))[0]
        if before != after:
            company, _, number = key.partition("/")
            found.append(Mover(names.get(key, number), company, number, before, after))
    found.sort(key=lambda m: (-abs(m.change), m.company, m.number))
    return found[:top]


def increases(previous: Snapshot | None, current: Snapshot, index: int) -> int:
    """How many more broken promises (index 1) or open disputes (index 2) the customers
    have than at the previous snapshot (decreases do not offset them)."""
    if previous is None:
        return 0
    found = 0
    for key, counts in current.items():
        before = previous.get(key, (ZERO, 0, 0))
        found += max(0, int(counts[index]) - int(before[index]))
    return found


@dataclass(frozen=True)
class Figures:
    day: date  # the report's local day: "yesterday" is the day before
    scope: str  # "tenant" or "portfolio"
    outstanding: Decimal
    overdue: Decimal
    customers_overdue: int
    collected_yesterday: Decimal
    collected_month: Decimal
    objective: Decimal | None  # the month's, for a whole-tenant report
    reminders_sent: int  # yesterday: emails and letters of the sent log
    calls_done: int  # yesterday: tasks completed (call outcomes)
    due_today: int  # tasks to do today
    broken_promises: int  # since the previous report
    new_disputes: int  # since the previous report
    top_movers: list[Mover] = field(default_factory=list)
    cash_in: Sequence[tuple[date, Decimal]] = ()  # the last 30 days, for the chart


TEXT = {
    "fr": {
        "subject": "Relance — trésorerie du {day}",
        "hello": "Bonjour {name},",
        "scope_tenant": "Toute l'entreprise",
        "scope_portfolio": "Votre portefeuille",
        "outstanding": "Encours",
        "overdue": "Échu",
        "customers_overdue": "Clients en retard",
        "collected_yesterday": "Encaissé hier",
        "collected_month": "Encaissé ce mois",
        "objective": "Objectif du mois",
        "progress": "Avancement",
        "done": "Actions",
        "since": "Depuis le dernier rapport",
        "reminders_sent": "Relances envoyées hier",
        "calls_done": "Appels et tâches faits hier",
        "due_today": "Actions à faire aujourd'hui",
        "broken_promises": "Promesses non tenues",
        "new_disputes": "Nouveaux litiges",
        "movers": "Plus fortes variations",
        "no_movers": "Aucune variation depuis le dernier rapport.",
        "chart": "Encaissements des 30 derniers jours",
    },
    "en": {
        "subject": "Relance — cash report for {day}",
        "hello": "Hello {name},",
        "scope_tenant": "The whole company",
        "scope_portfolio": "Your portfolio",
        "outstanding": "Outstanding",
        "overdue": "Overdue",
        "customers_overdue": "Customers overdue",
        "collected_yesterday": "Collected yesterday",
        "collected_month": "Collected this month",
        "objective": "Objective for the month",
        "progress": "Progress",
        "done": "Actions",
        "since": "Since the previous report",
        "reminders_sent": "Reminders sent yesterday",
        "calls_done": "Calls and tasks done yesterday",
        "due_today": "Actions due today",
        "broken_promises": "Broken promises",
        "new_disputes": "New disputes",
        "movers": "Top movers",
        "no_movers": "No change since the previous report.",
        "chart": "Cash collected, last 30 days",
    },
}
CHART_CID = "cash-in-chart"


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str


def compose(figures: Figures, name: str, s: DisplaySettings) -> Composed:
    """The email in the user's language, amounts and dates in its formats."""
    t = TEXT[s.language]

    def eur(amount: Decimal) -> str:
        return money(amount, CURRENCY, s)

    rows: list[tuple[str, str]] = [
        (t["outstanding"], eur(figures.outstanding)),
        (t["overdue"], eur(figures.overdue)),
        (t["customers_overdue"], str(figures.customers_overdue)),
        (t["collected_yesterday"], eur(figures.collected_yesterday)),
        (t["collected_month"], eur(figures.collected_month)),
    ]
    if figures.objective is not None:
        rows.append((t["objective"], eur(figures.objective)))
        if figures.objective > 0:
            share = (figures.collected_month * 100 / figures.objective).quantize(Decimal(1))
            rows.append((t["progress"], f"{share} %"))
    actions = [
        (t["reminders_sent"], str(figures.reminders_sent)),
        (t["calls_done"], str(figures.calls_done)),
        (t["due_today"], str(figures.due_today)),
    ]
    since = [
        (t["broken_promises"], str(figures.broken_promises)),
        (t["new_disputes"], str(figures.new_disputes)),
    ]
    moved = [
        (f"{m.name} ({m.company} {m.number})", f"{eur(m.before)} → {eur(m.after)}")
        for m in figures.top_movers
    ]
    when = day(figures.day, s)
    scope = t["scope_tenant"] if figures.scope == "tenant" else t["scope_portfolio"]
    sections = [(scope, rows), (t["done"], actions), (t["since"], since), (t["movers"], moved)]
    text_lines = [t["hello"].format(name=name), ""]
    html_parts = [f"<p>{html.escape(t['hello'].format(name=name))}</p>"]
    for title, lines in sections:
        text_lines.append(title)
        text_lines += [f"  {label}: {value}" for label, value in lines] or [f"  {t['no_movers']}"]
        text_lines.append("")
        cells = (
            "".join(
                f'<tr><td>{html.escape(label)}</td><td style="text-align:right">'
                f"{html.escape(value)}</td></tr>"
                for label, value in lines
            )
            or f"<tr><td>{html.escape(t['no_movers'])}</td></tr>"
        )
        html_parts.append(f"<h3>{html.escape(title)}</h3><table>{cells}</table>")
    html_parts.append(
        f"<h3>{html.escape(t['chart'])}</h3>"
        f'<img src="cid:{CHART_CID}" alt="{html.escape(t["chart"])}" width="600">'
    )
    return Composed(
        t["subject"].format(day=when),
        "\n".join(text_lines),
        "<html><body>" + "".join(html_parts) + "</body></html>",
    )
