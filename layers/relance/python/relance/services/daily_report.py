"""The daily cash report (K1): for each recipient whose local time passed 07:00, its
figures, one claim per local day, then the email (SES v2, with the chart inline).

Reads per tenant: the settings, the users, the summaries Query (packs, rollups and cash
collected: what the dashboard reads), the cash objectives; per recipient: its display
settings and portfolio, yesterday's sent log, the task lists, the previous snapshot.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from relance.api.http import logger
from relance.auth.identity import Identity
from relance.domain import daily_report as report
from relance.domain.cash_chart import cash_in_png
from relance.domain.daily_report import DailyReportSettings, DailyReportSettingsBody, Figures
from relance.domain.display import DisplaySettings
from relance.domain.payments import collected as cash
from relance.domain.portfolios import Portfolio, working_scope
from relance.domain.receivables import SummaryRow
from relance.domain.users import User
from relance.services.errors import Conflict, Invalid
from relance.services.receivables import collected_per_day
from relance.store.cash_objectives import CashObjectiveStore
from relance.store.daily_report import DailyReportStore
from relance.store.dunning import UNASSIGNED, DunningStore
from relance.store.dynamo import ConflictError, SyncStore
from relance.store.mail import InlineImage, Mailer, OutgoingEmail, SendRefused, SendThrottled
from relance.store.packs import SummarySet
from relance.store.portfolios import PortfolioStore
from relance.store.sent_log import SentLogStore
from relance.store.settings import SettingsStore
from relance.store.users import UserStore


class DailyReportService:
    def __init__(
        self,
        table: str,
        mailer: Mailer | None,
        sender: str,
        client: Any | None = None,
    ) -> None:
        self.store = DailyReportStore(table, client)
        client = self.store.client
        self.records = SyncStore(table, client)
        self.users = UserStore(table, client)
        self.display = SettingsStore(table, client)
        self.portfolios = PortfolioStore(table, client)
        self.sent_log = SentLogStore(table, client)
        self.dunning = DunningStore(table, client)
        self.objectives = CashObjectiveStore(table, client)
        self.mailer = mailer
        self.sender = sender

    # -- settings (admin) --------------------------------------------------------------
    def settings(self, tenant: str) -> DailyReportSettings:
        return self.store.settings(tenant)

    def put_settings(self, who: Identity, body: DailyReportSettingsBody) -> DailyReportSettings:
        who.require("admin")
        known = {u.user_id for u in self.users.list_users(who.tenant) if u.active}
        for i, user_id in enumerate(body.recipients):
            if user_id not in known:
                raise Invalid(
                    "unknown_recipient",
                    f"recipients[{i}]: no active user {user_id} in your company.",
                    f"recipients[{i}] : aucun utilisateur actif {user_id} dans votre société.",
                    field=f"recipients[{i}]",
                )
        recipients = list(dict.fromkeys(body.recipients))
        try:
            self.store.put_settings(who.tenant, recipients, body.version)
        except ConflictError:
            raise Conflict(
                "stale_version",
                "The daily report's recipients changed since you read them: reload.",
                "Les destinataires du rapport quotidien ont changé : rechargez.",
                current_version=self.store.settings(who.tenant).version,
            ) from None
        return DailyReportSettings(recipients=recipients, version=body.version + 1)

    # -- the run -----------------------------------------------------------------------
    def tenants(self) -> list[str]:
        """The tenants with at least one recipient."""
        return self.store.tenants()

    def run_tenant(self, tenant: str, now: datetime) -> list[str]:
        """Send the reports due at `now` in a tenant; the user ids it sent to."""
        recipients = set(self.store.settings(tenant).recipients)
        if not recipients:
            return []
        users = [u for u in self.users.list_users(tenant) if u.active and u.user_id in recipients]
        found: SummarySet | None = None
        sent = []
        for user in users:
            shown = self.display.get(tenant, user.user_id) or DisplaySettings(
                language=user.language
            )
            day = report.report_day(now, shown)
            if day is None:
                continue
            if found is None:
                found = self.records.summary_set(tenant)
            try:
                if self._send_one(tenant, user, shown, day, found, now):
                    sent.append(user.user_id)
            except Exception:  # one user's failure stops no other; next hour retries it
                logger.exception("daily report not sent", tenant_id=tenant)
        return sent

    def _send_one(
        self,
        tenant: str,
        user: User,
        shown: DisplaySettings,
        day: date,
        found: SummarySet,
        now: datetime,
    ) -> bool:
        last_day, previous = self.store.latest(tenant, user.user_id, day)
        if last_day == day:
            return False  # today's is done: no figures to compute
        portfolio = self.portfolios.get(tenant, user.user_id) if user.role == "user" else None
        scope = working_scope(user.role, portfolio)
        rows = _covered(found.rows(), scope)
        snapshot = {
            f"{r.company}/{r.number}": (r.total, r.broken_promises, r.open_disputes) for r in rows
        }
        figures = self._figures(tenant, user, shown, day, found, rows, scope, snapshot, previous)
        # The whole message is built before the claim: a failure here leaves no claim
        # behind, so the next hour tries again instead of skipping the day.
        composed = report.compose(figures, user.display_name, shown)
        message = OutgoingEmail(
            sender_address=self.sender,
            sender_name="Relance",
            to=(str(user.email),),
            subject=composed.subject,
            html=composed.html,
            text=composed.text,
            inline=(InlineImage(report.CHART_CID, cash_in_png(figures.cash_in)),),
        )
        if not self.store.claim(tenant, user.user_id, day, snapshot, now):
            return False  # already sent (or being sent) today: never twice
        if self.mailer is None:
            return True
        try:
            self.mailer.send(message)
        except (SendThrottled, SendRefused):
            # Nothing was sent: the claim goes back and the next hour's run tries again.
            # (Any other error leaves it unknown whether SES sent it: the claim stays.)
            self.store.release(tenant, user.user_id, day)
            raise
        logger.info("daily report sent", tenant_id=tenant, day=day.isoformat())
        return True

    def _figures(
        self,
        tenant: str,
        user: User,
        shown: DisplaySettings,
        day: date,
        found: SummarySet,
        rows: list[SummaryRow],
        scope: Portfolio | None,
        snapshot: report.Snapshot,
        previous: report.Snapshot | None,
    ) -> Figures:
        per_day = collected_per_day(found, rows if scope else None)
        so_far = cash.to_date(per_day, day)
        objective = None
        if scope is None:
            objective = self.objectives.get(tenant).for_month(f"{day:%Y-%m}", None)
        start = datetime.combine(day - timedelta(days=1), time(0), shown.zone).astimezone(UTC)
        end = start + timedelta(days=1)
        keys = {(r.company, r.number) for r in rows}
        sent = sum(
            1
            for _, item in self.sent_log.between(tenant, start, end)
            if (item.get("company"), item.get("customer")) in keys
        )
        lists = [user.user_id]
        if user.role == "admin":
            lists = [u.user_id for u in self.users.list_users(tenant)] + [UNASSIGNED]
        tasks = [t for who in lists for t in self.dunning.tasks(tenant, who)]
        tasks = [t for t in tasks if (t.get("company"), t.get("customer")) in keys]
        calls = sum(1 for t in tasks if _within(t.get("done_at"), start, end))
        due = sum(
            1 for t in tasks if t.get("status") == "to_do" and str(t.get("as_of")) <= str(day)
        )
        names = {f"{r.company}/{r.number}": r.name for r in rows}
        return Figures(
            day=day,
            scope="tenant" if scope is None else "portfolio",
            outstanding=sum((r.total for r in rows), Decimal(0)),
            overdue=sum((r.overdue for r in rows), Decimal(0)),
            customers_overdue=sum(1 for r in rows if r.overdue > 0),
            collected_yesterday=so_far.yesterday,
            collected_month=so_far.month_to_date,
            objective=objective,
            reminders_sent=sent,
            calls_done=calls,
            due_today=due,
            broken_promises=report.increases(previous, snapshot, 1),
            new_disputes=report.increases(previous, snapshot, 2),
            top_movers=report.movers(previous, snapshot, names),
            cash_in=cash.last_days(per_day, day),
        )


def _covered(rows: list[SummaryRow], scope: Portfolio | None) -> list[SummaryRow]:
    if scope is None:
        return rows
    return [r for r in rows if scope.covers(r.company, r.number, r.rep_number, r.profile or None)]


def _within(at: Any, start: datetime, end: datetime) -> bool:
    if not at:
        return False
    moment = datetime.fromisoformat(str(at))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return start <= moment < end
