"""`make demo`: the main job on the local stand-ins, from an empty machine to a served API.

1. start DynamoDB Local (data kept on disk under .local/) and moto;
2. create the table and the raw-batch bucket from the same definitions as the CDK app;
3. generate a demo Sage 100 tenant (two companies) as SQLite files read through ODBC;
4. register the demo tenant's relay connector and write the relay's configuration;
5. serve the API on 127.0.0.1 and run the relay's full sync through it;
6. print the aged-balance control, run tonight's dunning and send its reminders (moto SES,
   letters in the documents bucket), print a customer portal link from one of those emails,
   send the admin's daily cash report and write the day's BI export, then keep serving (and
   honour sync requests) until Ctrl-C.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import secrets
import signal
from datetime import UTC, date, datetime
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_currency
from rich.console import Console
from rich.table import Table

from bench.sagegen.generate import generate_tenant
from local import standins
from local.devserver import LocalApi, make_server, serve_in_background
from local.nightly import ensure_queues, run_dispatch, run_nightly
from local.relayconf import write_sqlite_relay_config
from local.website import WebSite
from relance.auth.tokens import LocalKeys
from relance.relay.cli import run_loop
from relance.relay.config import load_config
from relance.relay.runner import run_sync
from relance.services.users import seed_demo_users
from relance.services.wiring import nightly_service, user_service
from relance.store.dynamo import SyncStore
from relance.store.names import default_sender

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / ".local"
TABLE, BUCKET = "relance", "relance-raw-batches"
DOCUMENTS = "relance-documents"  # letters, emails as sent, grouped PDFs
TENANT, KEY_ID = "demo", "demo-relay"
COMPANIES = {"BIJOU": (150, 5000), "ATELIER": (150, 5000)}
SEED = 2026
# Wide enough for the control table when the output is a log rather than a terminal.
console = Console() if Console().is_terminal else Console(width=130)


def _secret() -> str:
    path = HOME / "relay" / "secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _sage_files(as_of: date) -> dict[str, Path]:
    folder = HOME / "sage" / as_of.isoformat()
    files = {code: folder / f"{code}.db" for code in COMPANIES}
    if all(f.exists() for f in files.values()):
        return files
    console.print(f"Generating the demo Sage 100 companies in {folder} …")
    return generate_tenant(folder, COMPANIES, as_of=as_of, seed=SEED)


def _print_control(report: dict[str, Any]) -> bool:
    table = Table(title="Contrôle de la balance âgée / aged-balance control (Sage vs Relance)")
    table.add_column("Société")
    for label in ("Non échu", "1-30 j", "31-60 j", "61-90 j", "> 90 j", "Total", "Écarts"):
        table.add_column(label, justify="right")
    buckets = ("not_due", "d1_30", "d31_60", "d61_90", "over_90", "total")
    all_match = True
    for company in report.get("companies", []):
        control = company.get("control") or {}
        sage, relance = control.get("sage_total", {}), control.get("relance_total", {})
        all_match &= bool(control.get("matches"))
        gaps = str(control.get("difference_count", "?"))
        table.add_row(f"{company['company']} · Sage", *[_eur(sage.get(b)) for b in buckets], gaps)
        table.add_row("        · Relance", *[_eur(relance.get(b)) for b in buckets], "")
    console.print(table)
    return all_match


def _eur(amount: Any) -> str:
    return format_currency(Decimal(str(amount or 0)), "EUR", locale="fr_FR")


def _print_logins(keys: LocalKeys, api_url: str) -> list[dict[str, Any]]:
    """The demo's users, each with a ready-to-use token (what Cognito would issue)."""
    now = datetime.now(UTC)
    table = Table(title="Connexions de démo / demo logins")
    for column in ("Persona", "Nom", "Rôle", "E-mail"):
        table.add_column(column)
    tokens = []
    users = seed_demo_users(user_service(), TENANT, now)
    for user in users:
        table.add_row(user["persona"], user["display_name"], user["role"], user["email"])
        token = keys.issue(
            tenant=TENANT,
            role=user["role"],
            user_id=user["user_id"],
            email=user["email"],
            now=now,
        )
        tokens.append((user["persona"], token))
    console.print(table)
    tokens_file = HOME / "demo-tokens.txt"
    tokens_file.write_text("".join(f"{persona}\t{token}\n" for persona, token in tokens))
    admin_token = tokens[0][1]
    console.print(
        f"Tokens (12 h) in {tokens_file}. Try:\n  curl -H 'Authorization: Bearer "
        f"{admin_token}' {api_url}/users"
    )
    return users


def _print_nightly(as_of: date) -> None:
    """Tonight's dunning run, now: the real plan and company handlers over SQS (moto)."""
    console.print(f"Nightly dunning run for {as_of} …")
    answer = run_nightly(TENANT, as_of)
    table = Table(title="Relances du jour / today's reminders")
    for column in ("Société", "Actions", "Par étape / by step", "Tâches", "Alertes"):
        table.add_column(column)
    for run in nightly_service().dunning.runs(TENANT, limit=len(COMPANIES)):
        steps = ", ".join(f"{k} {v}" for k, v in sorted(run.get("by_step", {}).items()))
        table.add_row(
            run["company"], str(run["actions"]), steps, str(run["manual"]), str(run["alerts"])
        )
    console.print(table)
    if answer["failed"]:
        console.print(f"[red]Companies that failed: {answer['failed']}[/]")
    _print_dispatch(as_of)


def _print_dispatch(as_of: date) -> None:
    """The queued reminders through the real dispatch handler: emails to moto's SES,
    letters as PDFs in the documents bucket, then the run's letters grouped to print."""
    from relance.services.wiring import dispatch_service

    console.print("Dispatch: sending the automatic reminders …")
    answer = run_dispatch()
    service = dispatch_service()
    month = datetime.now(UTC).strftime("%Y-%m")
    sent = [r for r in service.store.sent_log(TENANT, month) if r["as_of"] == as_of.isoformat()]
    emails = sum(1 for r in sent if r["channel"] == "email")
    letters = sum(1 for r in sent if r["channel"] == "letter")
    console.print(
        f"{answer['done']} queued message(s) handled / messages traités. Emails sent / "
        f"e-mails envoyés: {emails} · letters produced / courriers produits: {letters} · "
        f"failures / échecs: {len(answer['failed'])}"
    )
    grouped = service.grouped_letters(TENANT, as_of)
    if grouped:
        console.print(f"Letters to print / courriers à imprimer: s3://{DOCUMENTS}/{grouped}")


def _print_portal_link(running: standins.Standins) -> None:
    """The customer portal as a customer reaches it: the link in a reminder email just sent."""
    for sent in standins.sent_emails(running):
        parsed = email.message_from_string(str(sent["raw_data"]), policy=email.policy.default)
        body = parsed.get_body(("plain",))
        text = body.get_content() if isinstance(body, EmailMessage) else ""
        found = re.search(r"https?://\S+#t=[A-Za-z0-9_-]+", text)
        if found:
            console.print(f"Customer portal / espace client (from a reminder): {found.group(0)}")
            return


def _print_daily_report(users: list[dict[str, Any]]) -> None:
    """This morning's cash report (K1) to the demo admin, read in moto's SES. The hourly run
    sends it once a user's clock passes 07:00: the demo asks at 07:00 at the earliest."""
    from relance.auth.identity import Identity
    from relance.domain.daily_report import DailyReportSettingsBody
    from relance.services.wiring import daily_report_service

    admin = next(u for u in users if u["role"] == "admin")
    service = daily_report_service()
    who = Identity(tenant=TENANT, role="admin", user_id=admin["user_id"])
    current = service.settings(TENANT)
    if admin["user_id"] not in current.recipients:
        body = {"recipients": [*current.recipients, admin["user_id"]], "version": current.version}
        service.put_settings(who, DailyReportSettingsBody.model_validate(body))
    paris = ZoneInfo("Europe/Paris")
    now = max(datetime.now(UTC), datetime.now(paris).replace(hour=7, minute=0).astimezone(UTC))
    sent = service.run_tenant(TENANT, now)
    console.print(
        f"Daily cash report / rapport de trésorerie: sent to {admin['email']}"
        if sent
        else "Daily cash report / rapport de trésorerie: not sent (sent earlier today? see above)"
    )


def _print_bi_export(day: date) -> None:
    """Today's exports for BI (K6): CSV, Parquet and a manifest per dataset in moto S3."""
    from local.nightly import run_bi_export
    from relance.store.bi_exports import exports_bucket_name

    rows = run_bi_export(TENANT, day)["rows"][TENANT]
    counts = ", ".join(f"{name} {n}" for name, n in rows.items())
    console.print(
        f"BI export / export BI (s3://{exports_bucket_name()}/tenant={TENANT}/): {counts}"
    )


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # The edge of the system: the domain gets the date as a parameter.
    as_of = datetime.now(ZoneInfo("Europe/Paris")).date()
    port = int(os.environ.get("RELANCE_PORT", "8080"))
    running = standins.start(data_dir=HOME / "dynamodb")
    running.apply_env()
    os.environ.update(
        {
            "RELANCE_TABLE": TABLE,
            "RELANCE_RAW_BUCKET": BUCKET,
            "RELANCE_DOCUMENTS_BUCKET": DOCUMENTS,
            "RELANCE_SEND_RATE": "50",  # moto tells no SES quota: the demo's pace
            "RELANCE_PORTAL_URL": f"http://127.0.0.1:{port}/portal/",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "RELANCE_RELAY_SECRET": _secret(),
        }
    )
    try:
        standins.ensure_resources(running, TABLE, [BUCKET, DOCUMENTS])
        standins.ensure_sending(running, [default_sender()])
        ensure_queues()
        SyncStore(TABLE).put_connector(TENANT, KEY_ID, _secret(), "demo relay")
        keys = LocalKeys(HOME / "keys")
        # The browser app beside the API, with the local sign-in (a stand-in for Cognito).
        server = make_server(LocalApi(keys), port=port, web=WebSite(keys, TENANT))
        serve_in_background(server)
        api_url = f"http://127.0.0.1:{port}"
        config_file = write_sqlite_relay_config(
            HOME / "relay" / "relay.toml",
            api_url=api_url,
            key_id=KEY_ID,
            secret_env="RELANCE_RELAY_SECRET",
            files=_sage_files(as_of),
            poll_interval_s=5,
        )
        config = load_config(config_file)
        console.print(f"Relay: full sync of {', '.join(COMPANIES)} through {api_url} …")
        summary = run_sync(config, mode="full", as_of=as_of, restart=True)
        lines = sum(c.get("ledger_line", 0) for c in summary.records_sent.values())
        console.print(f"Run {summary.run_id}: {lines} open ledger lines synced.")
        matches = _print_control(summary.report)
        console.print(
            "[green]Sage and Relance agree to the cent.[/]"
            if matches
            else "[red]Differences found: see the control report.[/]"
        )
        users = _print_logins(keys, api_url)
        _print_nightly(as_of)
        _print_portal_link(running)
        _print_daily_report(users)
        _print_bi_export(as_of)
        console.print(f"\nWeb app on {api_url}/app/ (sign in with a demo e-mail above)")
        console.print(f"API on {api_url} — Ctrl-C to stop.")
        # The relay's resident loop, as on a client's server: sync on demand (POST
        # /sync-requests) and on schedule.
        signal.signal(signal.SIGTERM, _interrupt)
        run_loop(config)
    except KeyboardInterrupt:
        pass
    finally:
        console.print("Stopping the stand-ins …")
        running.stop()


if __name__ == "__main__":
    main()
