"""What a page of call tasks is scripted from (issue 5, "Phone and other media").

Access patterns (tested in tests/integration/test_call_tasks.py):
CS1. For every call task of the page, at once: its action (the step's template, lines,
     credits, claim: T#{t}#CO#{c}#CUST#{n} / ACTION#{as_of}#{step}), the customer's record
     (T#{t}#CO#{c} / CUSTOMER#{n}), its hand-kept details (manual contacts: .../DETAILS)
     and the ledger lines of the action's entries: BatchGetItem, 100 keys a request.
CS2. A customer's Sage contacts (their numbers): Query GSI1 GSI1PK=T#{t}#CO#{c}#CUST#{n},
     GSI1SK begins_with CONTACT#, one per customer of the page, side by side.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from relance.domain.details import ManualContact
from relance.domain.records import Contact, Customer, LedgerLine
from relance.store import keys
from relance.store.codec import from_item
from relance.store.dynamo import dynamodb_client
from relance.store.schema import GSI1, PARTITION_KEY, SORT_KEY

BATCH_GET_LIMIT = 100
CONTACT_READERS = 8

TaskRef = tuple[str, str, str, str]  # company, customer, as_of, step


@dataclass
class CallMaterial:
    """One call task's action and customer, as stored (absent parts stay empty)."""

    action: dict[str, Any] | None = None
    customer: Customer | None = None
    lines: dict[int, LedgerLine] = field(default_factory=dict)
    contacts: list[Contact] = field(default_factory=list)
    manual: list[ManualContact] = field(default_factory=list)


def _model(model: Any, values: dict[str, Any], company: str) -> Any:
    return model.model_validate(
        {**{k: v for k, v in values.items() if k in model.model_fields}, "company": company}
    )


class CallSheetStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    def material(self, tenant: str, tasks: Iterable[dict[str, Any]]) -> dict[TaskRef, CallMaterial]:
        """CS1 and CS2 for these tasks (each: company, customer, as_of, step, entries)."""
        wanted: dict[tuple[str, str], None] = {}
        refs: list[tuple[TaskRef, list[int]]] = []
        for t in tasks:
            company, number = str(t["company"]), str(t["customer"])
            ref = (company, number, str(t["as_of"]), str(t["step"]))
            refs.append((ref, [int(e) for e in t.get("entries", [])]))
            customer_pk = keys.customer_gsi1pk(tenant, company, number)
            company_pk = keys.company_pk(tenant, company)
            wanted[(customer_pk, f"ACTION#{ref[2]}#{ref[3]}")] = None
            wanted[(customer_pk, "DETAILS")] = None
            wanted[(company_pk, keys.record_sk("customer", number))] = None
            for entry in refs[-1][1]:
                wanted[(company_pk, keys.record_sk("ledger_line", str(entry)))] = None
        found = {(i[PARTITION_KEY], i[SORT_KEY]): i for i in self._batch_get(list(wanted))}
        customers = {(ref[0], ref[1]) for ref, _ in refs}
        with ThreadPoolExecutor(CONTACT_READERS) as pool:
            contacts = dict(zip(customers, pool.map(lambda c: self.contacts(tenant, *c),
                                                    customers), strict=True))  # fmt: skip
        sheets: dict[TaskRef, CallMaterial] = {}
        for ref, entries in refs:
            company, number, as_of, step = ref
            customer_pk = keys.customer_gsi1pk(tenant, company, number)
            company_pk = keys.company_pk(tenant, company)
            action = found.get((customer_pk, f"ACTION#{as_of}#{step}"))
            record = found.get((company_pk, keys.record_sk("customer", number)))
            details = found.get((customer_pk, "DETAILS")) or {}
            lines = {}
            for entry in entries:
                raw = found.get((company_pk, keys.record_sk("ledger_line", str(entry))))
                if raw is not None:
                    lines[entry] = _model(LedgerLine, raw, company)
            sheets[ref] = CallMaterial(
                action=action,
                customer=_model(Customer, record, company) if record else None,
                lines=lines,
                contacts=contacts[(company, number)],
                manual=[ManualContact.model_validate(c) for c in details.get("contacts", [])],
            )
        return sheets

    def contacts(self, tenant: str, company: str, customer: str) -> list[Contact]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": GSI1,
            "KeyConditionExpression": "GSI1PK = :pk AND begins_with(GSI1SK, :sk)",
            "ExpressionAttributeValues": {
                ":pk": {"S": keys.customer_gsi1pk(tenant, company, customer)},
                ":sk": {"S": keys.entity_prefix("contact")},
            },
        }
        found: list[Contact] = []
        while True:
            page = self.client.query(**request)
            found += [_model(Contact, from_item(raw), company) for raw in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _batch_get(self, wanted: list[tuple[str, str]]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            pending: dict[str, Any] = {
                self.table: {
                    "Keys": [{PARTITION_KEY: {"S": pk}, SORT_KEY: {"S": sk}}
                             for pk, sk in wanted[start : start + BATCH_GET_LIMIT]],
                    "ConsistentRead": True,
                }
            }  # fmt: skip
            while pending:
                answer = self.client.batch_get_item(RequestItems=pending)
                found += [from_item(raw) for raw in answer["Responses"].get(self.table, [])]
                pending = answer.get("UnprocessedKeys") or {}
        return found
