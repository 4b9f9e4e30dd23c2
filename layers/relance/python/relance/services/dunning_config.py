"""The tenant's dunning configuration (issue 4): settings, and what collectors set per customer.

Tenant settings (every role reads them; admins write them, at the version they read):
- DUNNING: scenarios and profiles (C2, C3, C7, C9, C14), `default_settings()` until saved;
- DUNNING_RUN: the nightly run's hour, time zone and on/off, 21:00 Europe/Paris until
  saved. Saving it also brings the tenant's EventBridge schedule to the same state;
- PENALTY_RATES: the ECB and legal rates (B1), `RateTable()`'s defaults until saved.
Per customer (an admin, or a user whose portfolio covers the customer; the routes check
that with FollowUpService.customer_file before calling here):
- stops (C15) and overrides (C17) on the customer or on one of its open entries, created
  idempotently (the `Idempotency-Key` header makes the id) and deleted by id;
- the profile chosen by hand (C3), edited in place at the version read.
Each customer change writes a timeline event on the customer in the same transaction.
Saving the profiles, or choosing one by hand, then updates the profile of the customer
summaries (services/profiles.py), which lists filter on and portfolio rules match.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime

from relance.auth.identity import Identity
from relance.domain.dunning.profiles import DunningSettings, ProfileBook, default_settings
from relance.domain.dunning_config import (
    ChosenProfile,
    DunningSettingsBody,
    NewOverride,
    NewStop,
    OverrideRecord,
    PenaltyRates,
    PenaltyRatesBody,
    ProfileChoiceBody,
    RunSettings,
    RunSettingsAnswer,
    RunSettingsBody,
    ScheduleState,
    StopRecord,
)
from relance.services.errors import Conflict, Invalid, NotFound
from relance.services.followup import CustomerFile, event, new_id
from relance.services.profiles import ProfileService
from relance.store.dunning_config import OVERRIDE, PROFILE, STOP, DunningConfigStore, DunningItem
from relance.store.dynamo import ConflictError
from relance.store.followup import FollowUpStore
from relance.store.schedules import NightlySchedules, ScheduleError

DUNNING = "DUNNING"
DUNNING_RUN = "DUNNING_RUN"
PENALTY_RATES = "PENALTY_RATES"
# A DynamoDB item holds 400 KB; keep a margin for the attribute names and the keys.
MAX_SETTINGS_BYTES = 300_000
logger = logging.getLogger(__name__)


def _stale(what: str, what_fr: str, current: int) -> Conflict:
    return Conflict(
        "stale_version",
        f"The {what} changed since you read it: reload and try again.",
        f"{what_fr} a changé depuis votre lecture : rechargez puis recommencez.",
        current_version=current,
    )


class DunningConfigService:
    def __init__(
        self,
        store: DunningConfigStore,
        settings: FollowUpStore,
        schedules: Callable[[], NightlySchedules | None] = NightlySchedules.from_env,
        profiles: ProfileService | None = None,
    ) -> None:
        self.store = store
        self.settings_store = settings
        self.schedules = schedules
        self.profiles = profiles  # keeps the summaries' profiles right (None: not kept)

    # -- tenant settings -------------------------------------------------------------------
    def settings(self, tenant: str) -> DunningSettings:
        stored = self.settings_store.get_setting(tenant, DUNNING)
        return DunningSettings.model_validate(stored) if stored else default_settings()

    def put_settings(self, who: Identity, body: DunningSettingsBody) -> DunningSettings:
        who.require("admin")
        values = body.model_dump(mode="json", exclude={"version"})
        if len(json.dumps(values)) > MAX_SETTINGS_BYTES:
            raise Invalid(
                "settings_too_large",
                "These scenarios and profiles are too large to be saved: remove some.",
                "Ces scénarios et profils sont trop volumineux : supprimez-en.",
                field="scenarios",
            )
        try:
            self.settings_store.put_setting(who.tenant, DUNNING, values, body.version)
        except ConflictError:
            raise _stale(
                "dunning settings", "Le paramétrage des relances", self.settings(who.tenant).version
            ) from None
        saved = body.saved()
        if self.profiles is not None:
            try:
                self.profiles.refresh_tenant(who.tenant, saved)
            except Exception:
                # The settings stand. The summaries keep their old profiles (lists, portfolio
                # rules) until the next sync's finish recomputes them all.
                logger.exception("summary profiles not refreshed", extra={"tenant": who.tenant})
        return saved

    def run_settings(self, tenant: str) -> RunSettings:
        stored = self.settings_store.get_setting(tenant, DUNNING_RUN)
        return RunSettings.model_validate(stored) if stored else RunSettings()

    def put_run_settings(self, who: Identity, body: RunSettingsBody) -> RunSettingsAnswer:
        """Save when the nightly run goes, then bring the tenant's schedule to it. If the
        scheduler fails, the settings stay saved and the answer says so: saving them again
        (at the new version) re-applies the schedule."""
        who.require("admin")
        values = body.model_dump(mode="json", exclude={"version"})
        try:
            self.settings_store.put_setting(who.tenant, DUNNING_RUN, values, body.version)
        except ConflictError:
            current = self.run_settings(who.tenant).version
            raise _stale("nightly run settings", "L'heure des relances", current) from None
        saved = RunSettings.model_validate({**values, "version": body.version + 1})
        return RunSettingsAnswer(
            **saved.model_dump(), schedule=self.apply_schedule(who.tenant, saved)
        )

    def apply_schedule(self, tenant: str, run: RunSettings) -> ScheduleState:
        """Bring the tenant's nightly schedule to `run` (also for a tenant that never saved
        its run settings: `apply_schedule(t, service.run_settings(t))`)."""
        schedules = self.schedules()
        if schedules is None:
            # No scheduler here (the local runner has none): it starts the nightly run
            # itself, so there is no schedule to keep.
            return "not_configured"
        try:
            schedules.apply(tenant, run.hour, run.time_zone, run.enabled)
        except ScheduleError as err:
            logger.warning(
                "nightly schedule not applied", extra={"tenant": tenant, "error": str(err)}
            )
            return "failed"
        return "applied"

    def rates(self, tenant: str) -> PenaltyRates:
        """The tenant's rates (a RateTable the penalties can use as it is)."""
        stored = self.settings_store.get_setting(tenant, PENALTY_RATES)
        return PenaltyRates.model_validate(stored) if stored else PenaltyRates()

    def put_rates(self, who: Identity, body: PenaltyRatesBody) -> PenaltyRates:
        who.require("admin")
        values = body.model_dump(mode="json", exclude={"version"})
        try:
            self.settings_store.put_setting(who.tenant, PENALTY_RATES, values, body.version)
        except ConflictError:
            current = self.rates(who.tenant).version
            raise _stale("penalty rates", "Le barème des pénalités", current) from None
        return PenaltyRates.model_validate({**values, "version": body.version + 1})

    # -- per customer ------------------------------------------------------------------------
    @staticmethod
    def _open_entry(file: CustomerFile, entry: int | None) -> None:
        if entry is not None and entry not in file.open_by_entry():
            raise Invalid(
                "unknown_entries",
                f"Entry {entry} is not an open item of customer {file.number}.",
                f"L'écriture {entry} n'est pas une pièce ouverte du client {file.number}.",
                field="entry",
            )

    @staticmethod
    def _item(
        who: Identity, file: CustomerFile, kind: str, item_id: str | None = None
    ) -> DunningItem:
        return DunningItem(who.tenant, file.company, file.number, kind, item_id)

    def add_stop(
        self,
        who: Identity,
        file: CustomerFile,
        body: NewStop,
        now: datetime,
        idempotency_key: str | None = None,
    ) -> tuple[StopRecord, bool]:
        """Stop reminding the customer or one entry; (stop, created). Not created: a retry
        of the same request, answered with what the first one wrote."""
        self._open_entry(file, body.entry)
        if body.until is not None and body.until < now.date():
            raise Invalid(
                "until_past",
                "A stop lasts until today or later.",
                "Une suspension court jusqu'à aujourd'hui au moins.",
                field="until",
            )
        stop = StopRecord(
            stop_id=new_id(who.tenant, who.user_id, idempotency_key),
            entry=body.entry,
            reason=body.reason,
            until=body.until,
            created_by=who.user_id,
            created_at=now,
        )
        item = self._item(who, file, STOP, stop.stop_id)
        change = event(
            "dunning_stopped",
            who.user_id,
            now,
            stop_id=stop.stop_id,
            entry_number=body.entry,
            until=body.until.isoformat() if body.until else None,
            reason=body.reason or None,
        )
        try:
            self.store.put(item, stop.model_dump(mode="json"), change)
        except ConflictError:
            stored = self.store.get(item)
            if stored is None:
                raise
            return StopRecord.model_validate(stored), False
        return stop, True

    def lift_stop(
        self, who: Identity, file: CustomerFile, stop_id: str, now: datetime
    ) -> StopRecord:
        item = self._item(who, file, STOP, stop_id)
        stored = self.store.get(item)
        missing = NotFound(
            "unknown_stop",
            f"No stop {stop_id} for this customer.",
            f"Aucune suspension {stop_id} pour ce client.",
        )
        if stored is None:
            raise missing
        stop = StopRecord.model_validate(stored)
        change = event(
            "dunning_stop_lifted", who.user_id, now, stop_id=stop_id, entry_number=stop.entry
        )
        try:
            self.store.delete(item, change)
        except ConflictError:
            raise missing from None  # lifted meanwhile
        return stop

    def add_override(
        self,
        who: Identity,
        file: CustomerFile,
        body: NewOverride,
        now: datetime,
        idempotency_key: str | None = None,
    ) -> tuple[OverrideRecord, bool]:
        self._open_entry(file, body.entry)
        override = OverrideRecord(
            override_id=new_id(who.tenant, who.user_id, idempotency_key),
            entry=body.entry,
            step=body.step,
            on=body.on,
            created_by=who.user_id,
            created_at=now,
        )
        item = self._item(who, file, OVERRIDE, override.override_id)
        change = event(
            "dunning_override",
            who.user_id,
            now,
            override_id=override.override_id,
            entry_number=body.entry,
            step=body.step,
            on=body.on.isoformat(),
        )
        try:
            self.store.put(item, override.model_dump(mode="json"), change)
        except ConflictError:
            stored = self.store.get(item)
            if stored is None:
                raise
            return OverrideRecord.model_validate(stored), False
        return override, True

    def remove_override(
        self, who: Identity, file: CustomerFile, override_id: str, now: datetime
    ) -> OverrideRecord:
        item = self._item(who, file, OVERRIDE, override_id)
        stored = self.store.get(item)
        missing = NotFound(
            "unknown_override",
            f"No override {override_id} for this customer.",
            f"Aucun forçage {override_id} pour ce client.",
        )
        if stored is None:
            raise missing
        override = OverrideRecord.model_validate(stored)
        change = event(
            "dunning_override_removed",
            who.user_id,
            now,
            override_id=override_id,
            entry_number=override.entry,
        )
        try:
            self.store.delete(item, change)
        except ConflictError:
            raise missing from None  # removed (or spent by the nightly run) meanwhile
        return override

    def chosen_profile(self, tenant: str, company: str, number: str) -> ChosenProfile:
        stored = self.store.get(DunningItem(tenant, company, number, PROFILE))
        return ChosenProfile.model_validate(stored) if stored else ChosenProfile()

    def choose_profile(
        self, who: Identity, file: CustomerFile, body: ProfileChoiceBody, now: datetime
    ) -> ChosenProfile:
        settings = self.settings(who.tenant)
        if body.profile is not None:
            known = [p.profile_id for p in settings.profiles]
            if body.profile not in known:
                raise Invalid(
                    "unknown_profile",
                    f"'{body.profile}' is not one of this workspace's dunning profiles: "
                    f"{', '.join(known)}.",
                    f"« {body.profile} » ne fait pas partie des profils de relance de cet "
                    f"espace : {', '.join(known)}.",
                    field="profile",
                )
        current = self.chosen_profile(who.tenant, file.company, file.number)
        if current.version != body.version:
            raise _stale("chosen profile", "Le profil choisi", current.version)
        chosen = ChosenProfile(
            profile=body.profile, version=body.version + 1, chosen_by=who.user_id, chosen_at=now
        )
        change = event(
            "dunning_profile_chosen",
            who.user_id,
            now,
            profile=body.profile,
            previous=current.profile,
        )
        item = self._item(who, file, PROFILE)
        try:
            self.store.put(item, chosen.model_dump(mode="json"), change, body.version)
        except ConflictError:
            latest = self.chosen_profile(who.tenant, file.company, file.number).version
            raise _stale("chosen profile", "Le profil choisi", latest) from None
        if self.profiles is not None:
            try:
                self.profiles.refresh_customer(
                    who.tenant, file, ProfileBook.of(settings), body.profile
                )
            except Exception:
                # The choice stands (the nightly run reads it); the customer's summary keeps
                # its old profile until the next sync's finish recomputes it.
                logger.exception(
                    "summary profile not refreshed",
                    extra={"tenant": who.tenant, "company": file.company, "customer": file.number},
                )
        return chosen
