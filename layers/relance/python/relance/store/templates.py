"""The tenant's reminder templates, company info and email sender (C12): tenant settings.

Items, beside the other tenant settings (store/followup.py `settings_pk`):
- templates:    T#{t}#SETTINGS / TEMPLATES  (the tenant's own templates, one document;
                `version` for optimistic locking, each template its own save count)
- company info: T#{t}#SETTINGS / COMPANY    (what messages and letters print; `version`)
- email sender: T#{t}#SETTINGS / EMAIL_SENDER (address, name, reply_to; `version`), laid
                out as every tenant setting (FollowUpStore.put_setting)
The dispatch reads all three through `template_set`, `company_info` and `sender`.
Access patterns (tested in tests/integration/test_templates_api.py):
T1. Templates of a tenant (template API, every dispatch of a message): GetItem.
T2. Company info of a tenant (settings API, every dispatch): GetItem.
T3. Email sender of a tenant (settings API, every dispatch): GetItem.
Neither document exists until the admin saves it: `TemplateSet()` (every template a
default) and `CompanyInfo()` (nothing filled) stand for them.
"""

from __future__ import annotations

from typing import Any

from relance.domain.sender import SENDER_SETTING, EmailSender
from relance.domain.templates import CompanyInfo, TemplateSet
from relance.store.codec import from_item
from relance.store.dynamo import dynamodb_client, put_versioned
from relance.store.followup import settings_pk
from relance.store.schema import PARTITION_KEY, SORT_KEY

TEMPLATES_SK = "TEMPLATES"
COMPANY_SK = "COMPANY"
_COMPANY_FIELDS = tuple(f for f in CompanyInfo.model_fields if f != "version")


class TemplateStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    def _get(self, tenant: str, sk: str) -> dict[str, Any] | None:
        answer = self.client.get_item(
            TableName=self.table,
            Key={PARTITION_KEY: {"S": settings_pk(tenant)}, SORT_KEY: {"S": sk}},
            ConsistentRead=True,
        )
        return from_item(answer["Item"]) if "Item" in answer else None

    # -- templates -------------------------------------------------------------------------
    def template_set(self, tenant: str) -> TemplateSet:
        """The tenant's own templates (TemplateSet(): none, every step uses the defaults)."""
        stored = self._get(tenant, TEMPLATES_SK)
        if stored is None:
            return TemplateSet()
        return TemplateSet.model_validate(
            {"templates": stored.get("templates", []), "version": stored["version"]}
        )

    def save_set(self, tenant: str, templates: TemplateSet, expected_version: int) -> None:
        """Store the set unless the stored one changed since `expected_version` was read
        (0: none stored yet); ConflictError otherwise. The stored document is at version
        `expected_version + 1` (what TemplateSet.saved / removed give the set read)."""
        item = {
            PARTITION_KEY: settings_pk(tenant),
            SORT_KEY: TEMPLATES_SK,
            "item_type": "templates",
            # Empty subjects are not stored (codec); the model's default restores them.
            "templates": [t.model_dump(mode="json") for t in templates.templates],
            "version": expected_version + 1,
        }
        put_versioned(self.client, self.table, item, expected_version, TEMPLATES_SK)

    # -- company info ----------------------------------------------------------------------
    def company_info(self, tenant: str) -> CompanyInfo:
        """What the tenant's messages print about its company (CompanyInfo(): unset)."""
        stored = self._get(tenant, COMPANY_SK)
        if stored is None:
            return CompanyInfo()
        values = {k: stored[k] for k in _COMPANY_FIELDS if k in stored}
        return CompanyInfo.model_validate({**values, "version": stored["version"]})

    def save_company_info(self, tenant: str, info: CompanyInfo, expected_version: int) -> None:
        """Store the company info at version `expected_version + 1`, unless the stored one
        changed since `expected_version` was read (ConflictError)."""
        item = {
            PARTITION_KEY: settings_pk(tenant),
            SORT_KEY: COMPANY_SK,
            "item_type": "company_info",
            **info.model_dump(mode="json", exclude={"version"}),
            "version": expected_version + 1,
        }
        put_versioned(self.client, self.table, item, expected_version, COMPANY_SK)

    # -- email sender ----------------------------------------------------------------------
    def sender(self, tenant: str) -> EmailSender:
        stored = self._get(tenant, SENDER_SETTING)
        if stored is None:
            return EmailSender()
        fields = ("address", "name", "reply_to", "version")
        return EmailSender.model_validate({k: stored[k] for k in fields if k in stored})

    def save_sender(self, tenant: str, sender: EmailSender, expected_version: int) -> None:
        """As the other tenant settings (FollowUpStore.put_setting): at version
        `expected_version + 1`, unless it changed since (ConflictError)."""
        item = {
            PARTITION_KEY: settings_pk(tenant),
            SORT_KEY: SENDER_SETTING,
            "item_type": "setting",
            **sender.model_dump(mode="json", exclude={"version"}),
            "version": expected_version + 1,
        }
        put_versioned(self.client, self.table, item, expected_version, SENDER_SETTING)
