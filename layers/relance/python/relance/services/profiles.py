"""Each customer summary's dunning profile (C3): computed at a sync's finish, kept right
between syncs.

A sync's finish gives every summary of the company its profile (services/ingest.py calls
`assign`). Between syncs, two changes move a customer to another profile without anything
changing in Sage, and both update the summaries right after they are saved:
- an admin saves the tenant's scenarios and profiles: `refresh_tenant` reads every summary
  and the customers of each company, and writes the summaries whose profile changed;
- a collector chooses (or clears) a customer's profile by hand: `refresh_customer` sets
  that summary's profile.
If such an update fails, the change itself stands: the summaries keep their old profile
until the next sync's finish, which recomputes every one of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from relance.domain.dunning.profiles import DunningSettings, ProfileBook, default_settings
from relance.domain.receivables import CustomerSummary, with_profiles
from relance.domain.records import Customer
from relance.services.followup import CustomerFile
from relance.store.dunning import DunningStore
from relance.store.dynamo import SyncStore
from relance.store.followup import FollowUpStore

DUNNING = "DUNNING"  # the settings document (services/dunning_config.py DUNNING)
READ_CONCURRENCY = 4  # companies whose customers are read side by side


class ProfileService:
    def __init__(self, records: SyncStore, dunning: DunningStore, settings: FollowUpStore) -> None:
        self.records = records
        self.dunning = dunning
        self.settings = settings

    def book(self, tenant: str) -> ProfileBook:
        """The tenant's profiles as saved (the defaults until then): one GetItem."""
        stored = self.settings.get_setting(tenant, DUNNING)
        settings = (
            DunningSettings.model_validate(
                {k: v for k, v in stored.items() if k in DunningSettings.model_fields}
            )
            if stored
            else default_settings()
        )
        return ProfileBook.of(settings)

    def assign(
        self,
        tenant: str,
        company: str,
        summaries: Iterable[CustomerSummary],
        customers: Iterable[Customer],
        book: ProfileBook,
    ) -> list[CustomerSummary]:
        """A company's summaries with their profiles; reads the hand choices (one Query)."""
        chosen = self.dunning.chosen_profiles(tenant, company)
        return with_profiles(summaries, {c.number: c for c in customers}, book, chosen)

    def refresh_tenant(self, tenant: str, settings: DunningSettings) -> int:
        """After the settings were saved: every summary's profile under them; writes the
        changed summaries only and answers how many. A sync finishing meanwhile may have
        its figures overwritten by the ones read here: its next run writes them again."""
        book = ProfileBook.of(settings)
        by_company: dict[str, list[CustomerSummary]] = defaultdict(list)
        for summary in self.records.summaries(tenant, with_followup=False):
            by_company[summary.company].append(summary)
        if not by_company:
            return 0

        def changed(company: str) -> list[CustomerSummary]:
            held = by_company[company]
            customers = self.records.records(tenant, company, "customer")
            fresh = self.assign(tenant, company, held, customers, book)
            return [new for old, new in zip(held, fresh, strict=True) if new.profile != old.profile]

        workers = min(READ_CONCURRENCY, len(by_company))
        with ThreadPoolExecutor(workers, thread_name_prefix="profiles") as pool:
            moved = [s for found in pool.map(changed, sorted(by_company)) for s in found]
        return self.records.put_summaries(tenant, moved) if moved else 0

    def refresh_customer(
        self, tenant: str, file: CustomerFile, book: ProfileBook, by_hand: str | None
    ) -> bool:
        """After a choice by hand: the customer's summary profile, from its Sage record
        and open lines as the card read them. False if it has no summary yet."""
        customer = file.customer or Customer(company=file.company, number=file.number)
        profile = book.profile_for(customer, file.total, by_hand)
        return self.records.set_summary_profile(tenant, file.company, file.number, profile)
