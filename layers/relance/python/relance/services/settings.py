"""Display settings (V9): every signed-in user reads and saves its own, whatever its role."""

from __future__ import annotations

from relance.auth.identity import Identity
from relance.domain.display import DisplaySettings, DisplaySettingsBody
from relance.services.errors import Conflict
from relance.store.dynamo import ConflictError
from relance.store.settings import SettingsStore


class SettingsService:
    def __init__(self, store: SettingsStore) -> None:
        self.store = store

    def get(self, who: Identity) -> DisplaySettings:
        """The caller's settings; the defaults (version 0) until it saves some."""
        return self.store.get(who.tenant, who.user_id) or DisplaySettings()

    def put(self, who: Identity, body: DisplaySettingsBody) -> DisplaySettings:
        """Replace the caller's settings, unless they changed since it read `body.version`."""
        saved = body.saved()
        try:
            self.store.put(who.tenant, who.user_id, saved, body.version)
        except ConflictError:
            current = self.store.get(who.tenant, who.user_id)
            raise Conflict(
                "stale_version",
                "Your display settings changed since you read them: reload and try again.",
                "Vos préférences d'affichage ont changé depuis votre lecture : "
                "rechargez puis recommencez.",
                current_version=current.version if current else 0,
            ) from None
        return saved
