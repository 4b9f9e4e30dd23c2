"""Builds the services from the environment, once per Lambda container.

Each factory imports its service and stores when first called: a function loads only the
code of the services it uses (the API does not import the nightly run, ingest, queues or
the Cognito directory before a route needs them), which keeps its cold start short.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from relance.store.names import table_name

if TYPE_CHECKING:
    from relance.services.action_documents import ActionDocumentService
    from relance.services.call_sheets import CallSheets
    from relance.services.cash import CashObjectiveService
    from relance.services.context import ContextService
    from relance.services.daily_report import DailyReportService
    from relance.services.deliverability import DeliverabilityService
    from relance.services.dispatch import DispatchService
    from relance.services.dso import DsoService
    from relance.services.dunning_config import DunningConfigService
    from relance.services.exports import SentReminderService
    from relance.services.followup import FollowUpService
    from relance.services.ingest import IngestService
    from relance.services.nightly import NightlyService
    from relance.services.personal_data import PersonalDataService
    from relance.services.portal import Portal, PortalLinks
    from relance.services.portfolios import PortfolioService
    from relance.services.profiles import ProfileService
    from relance.services.receivables import ReceivablesService
    from relance.services.settings import SettingsService
    from relance.services.templates import TemplateService
    from relance.services.users import UserService
    from relance.services.worklist import WorklistService
    from relance.store.queues import JsonQueue


@cache
def ingest_service() -> IngestService:
    from relance.services.ingest import IngestService
    from relance.store.archive import BatchArchive
    from relance.store.dynamo import SyncStore
    from relance.store.names import raw_bucket_name

    records = SyncStore(table_name())
    return IngestService(
        records, BatchArchive(raw_bucket_name()), followup_service(), profile_service()
    )


@cache
def profile_service() -> ProfileService:
    from relance.services.profiles import ProfileService
    from relance.store.dunning import DunningStore
    from relance.store.dynamo import SyncStore
    from relance.store.followup import FollowUpStore

    records = SyncStore(table_name())
    return ProfileService(
        records,
        DunningStore(table_name(), records.client),
        FollowUpStore(table_name(), records.client),
    )


@cache
def followup_service() -> FollowUpService:
    from relance.services.followup import FollowUpService
    from relance.store.dynamo import SyncStore
    from relance.store.followup import FollowUpStore

    records = SyncStore(table_name())
    return FollowUpService(FollowUpStore(table_name(), records.client), records)


@cache
def user_service() -> UserService:
    from relance.services.users import UserService
    from relance.store.dynamo import SyncStore
    from relance.store.names import user_pool_id
    from relance.store.users import UserStore

    records = SyncStore(table_name())
    # In AWS the CDK app sets the pool id and users are mirrored into Cognito. Locally there
    # is no pool: the dev server signs its own tokens (relance/auth/tokens.py) for users
    # stored in DynamoDB only.
    pool = user_pool_id()
    directory = None
    if pool:
        from relance.store.directory import CognitoDirectory

        directory = CognitoDirectory(pool)
    return UserService(UserStore(table_name(), records.client), records, directory)


@cache
def receivables_service() -> ReceivablesService:
    from relance.services.receivables import ReceivablesService
    from relance.store.dynamo import SyncStore

    return ReceivablesService(SyncStore(table_name()))


@cache
def portfolio_service() -> PortfolioService:
    from relance.services.portfolios import PortfolioService
    from relance.store.dynamo import SyncStore
    from relance.store.portfolios import PortfolioStore
    from relance.store.users import UserStore

    client = SyncStore(table_name()).client
    return PortfolioService(PortfolioStore(table_name(), client), UserStore(table_name(), client))


@cache
def nightly_service() -> NightlyService:
    from relance.services.nightly import NightlyService
    from relance.store.deliverability import DeliverabilityStore
    from relance.store.dunning import DunningStore
    from relance.store.dynamo import SyncStore
    from relance.store.followup import FollowUpStore
    from relance.store.names import dispatch_queue_url

    records = SyncStore(table_name())
    url = dispatch_queue_url()
    queue = None
    if url:
        from relance.store.queues import JsonQueue

        queue = JsonQueue(url)

    def dispatch(tenant: str, actions: list[dict[str, Any]]) -> None:
        if queue is not None:
            queue.send({"tenant_id": tenant, **_dispatch_message(a)} for a in actions)

    return NightlyService(
        records,
        FollowUpStore(table_name(), records.client),
        DunningStore(table_name(), records.client),
        dispatch if queue is not None else None,
        suppressed=DeliverabilityStore(table_name(), records.client).suppressed,
    )


@cache
def events_service() -> DeliverabilityService:
    """SES events (B5): the tenant's scenarios and the dispatch queue as the nightly run's."""
    from relance.services.deliverability import DeliverabilityService
    from relance.store.deliverability import DeliverabilityStore

    nightly = nightly_service()
    return DeliverabilityService(
        DeliverabilityStore(table_name(), nightly.records.client),
        nightly.settings,
        nightly.dispatch,
    )


def _dispatch_message(action: dict[str, Any]) -> dict[str, Any]:
    """What the dispatch function needs to find the action again (it reads the rest)."""
    return {k: action[k] for k in ("key", "company", "customer", "step", "as_of", "channel")}


@cache
def worklist_service() -> WorklistService:
    from relance.services.worklist import WorklistService

    nightly = nightly_service()
    return WorklistService(nightly, nightly.dunning, nightly.records)


@cache
def call_sheet_service() -> CallSheets:
    from relance.services.call_sheets import CallSheets
    from relance.store.call_sheets import CallSheetStore
    from relance.store.dispatch import DispatchStore
    from relance.store.dynamo import SyncStore
    from relance.store.templates import TemplateStore
    from relance.store.users import UserStore

    client = SyncStore(table_name()).client
    currencies = DispatchStore(table_name(), client).currencies
    return CallSheets(
        CallSheetStore(table_name(), client),
        TemplateStore(table_name(), client),
        UserStore(table_name(), client),
        currencies,
    )


@cache
def action_document_service() -> ActionDocumentService:
    from relance.services.action_documents import ActionDocumentService
    from relance.store.documents import DocumentStore
    from relance.store.dunning import DunningStore
    from relance.store.names import documents_bucket_name

    def render_letter(tenant: str, action: dict[str, Any], now: datetime) -> bytes:
        """A letter to approve, rendered as the dispatch renders letters (loaded only then)."""
        from relance.services.letter_drafts import letter_draft

        return letter_draft(dispatch_service(), tenant, action, now)

    # Not through nightly_service(): reading one action needs none of the run's code.
    dunning = DunningStore(table_name())
    return ActionDocumentService(dunning, DocumentStore(documents_bucket_name()), render_letter)


@cache
def nightly_queue() -> JsonQueue | None:
    from relance.store.names import nightly_queue_url

    url = nightly_queue_url()
    if not url:
        return None
    from relance.store.queues import JsonQueue

    return JsonQueue(url)


@cache
def context_service() -> ContextService:
    from relance.services.context import ContextService
    from relance.store.caller import CallerStore

    return ContextService(CallerStore(table_name()))


@cache
def settings_service() -> SettingsService:
    from relance.services.settings import SettingsService
    from relance.store.settings import SettingsStore

    return SettingsService(SettingsStore(table_name()))


@cache
def dunning_config_service() -> DunningConfigService:
    from relance.services.dunning_config import DunningConfigService
    from relance.store.dunning_config import DunningConfigStore
    from relance.store.dynamo import SyncStore
    from relance.store.followup import FollowUpStore

    # The nightly schedules are looked up at each save (NightlySchedules.from_env): none
    # where the environment names no nightly function, as in the local runner.
    client = SyncStore(table_name()).client
    return DunningConfigService(
        DunningConfigStore(table_name(), client),
        FollowUpStore(table_name(), client),
        profiles=profile_service(),
    )


@cache
def template_service() -> TemplateService:
    from relance.services.templates import TemplateService
    from relance.store.templates import TemplateStore

    return TemplateService(TemplateStore(table_name()))


@cache
def dispatch_service() -> DispatchService:
    from relance.services.dispatch import DispatchService
    from relance.store.dispatch import DispatchStore
    from relance.store.documents import DocumentStore
    from relance.store.dynamo import SyncStore
    from relance.store.mail import Mailer
    from relance.store.names import default_sender, documents_bucket_name, ses_configuration_set
    from relance.store.templates import TemplateStore
    from relance.store.users import UserStore

    client = SyncStore(table_name()).client
    return DispatchService(
        DispatchStore(table_name(), client),
        Mailer(ses_configuration_set()),
        DocumentStore(documents_bucket_name()),
        TemplateStore(table_name(), client),
        UserStore(table_name(), client),
        default_sender(),
        portal=portal_links_service(),
    )


@cache
def sent_reminder_service() -> SentReminderService:
    from relance.services.exports import SentReminderService
    from relance.store.dynamo import SyncStore
    from relance.store.sent_log import SentLogStore

    records = SyncStore(table_name())
    return SentReminderService(
        SentLogStore(table_name(), records.client),
        lambda tenant: records.summaries(tenant, with_followup=False),
    )


@cache
def personal_data_service() -> PersonalDataService:
    from relance.services.personal_data import PersonalDataService
    from relance.store.dynamo import SyncStore
    from relance.store.personal_data import PersonalDataStore

    records = SyncStore(table_name())
    return PersonalDataService(PersonalDataStore(table_name(), records.client), records)


@cache
def dso_service() -> DsoService:
    from relance.services.dso import DsoService
    from relance.store.dso import DsoStore
    from relance.store.followup import FollowUpStore

    store = DsoStore(table_name())
    return DsoService(store, FollowUpStore(table_name(), store.client))


@cache
def portal_links_service() -> PortalLinks:
    """Portal links (K7): created by collectors and by the dispatch, one per reminder."""
    from relance.services.portal import PortalLinks
    from relance.store.dynamo import SyncStore
    from relance.store.portal import PortalStore, portal_base_url

    return PortalLinks(PortalStore(table_name(), SyncStore(table_name()).client), portal_base_url)


@cache
def portal_service() -> Portal:
    """The customer portal's own function: follow-up, company letterhead, alerts, PDFs."""
    from relance.services.portal import Portal
    from relance.store.dispatch import DispatchStore
    from relance.store.names import documents_bucket_name
    from relance.store.portal import InvoicePdfs, PortalStore
    from relance.store.templates import TemplateStore

    followup = followup_service()
    client = followup.store.client
    pdfs = InvoicePdfs(documents_bucket_name())
    return Portal(
        PortalStore(table_name(), client),
        followup,
        TemplateStore(table_name(), client),
        DispatchStore(table_name(), client),
        pdfs.links,
    )


@cache
def cash_objective_service() -> CashObjectiveService:
    from relance.services.cash import CashObjectiveService
    from relance.store.cash_objectives import CashObjectiveStore

    return CashObjectiveService(CashObjectiveStore(table_name()))


@cache
def daily_report_service() -> DailyReportService:
    from relance.services.daily_report import DailyReportService
    from relance.store.mail import Mailer
    from relance.store.names import default_sender, ses_configuration_set

    return DailyReportService(table_name(), Mailer(ses_configuration_set()), default_sender())
