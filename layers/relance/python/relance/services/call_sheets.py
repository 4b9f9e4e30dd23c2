"""The call script and numbers of a page of tasks (issue 5, "Phone and other media").

When tasks are listed, each phone or other task still to do gets `script` (the step's
template rendered for the phone channel, plain text, with the customer's invoices) and
`phones` (the numbers of the customer's card and contacts, with names and roles). The
tenant's templates and company are read once per page, the page's actions, customers and
lines in one BatchGetItem (store/call_sheets.py); rendering is what the dispatch does
(services/dispatch.py), on the phone channel. A template that fails to render falls back
to the default one; no template at all leaves `script` None (the page has its own
wording).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any, Protocol

from relance.domain.call_sheet import phone_numbers
from relance.domain.dunning.scenarios import Channel
from relance.domain.records import Customer
from relance.domain.templates import (
    Collector,
    CompanyInfo,
    RenderError,
    TemplateSet,
    build_context,
    render,
)
from relance.services.dispatch_compose import language_for
from relance.store.call_sheets import CallMaterial, CallSheetStore

CALL_CHANNELS = ("phone", "other")


class TenantTemplates(Protocol):
    def template_set(self, tenant: str) -> TemplateSet: ...
    def company_info(self, tenant: str) -> CompanyInfo: ...


class UserSource(Protocol):
    def get(self, tenant: str, user_id: str) -> Any: ...


class CallSheets:
    def __init__(
        self,
        store: CallSheetStore,
        templates: TenantTemplates,
        users: UserSource | None,
        currencies: Any = None,
    ) -> None:
        self.store = store
        self.templates = templates
        self.users = users
        self.currencies = currencies  # (tenant, company) -> {index: ISO code}
        self.last_timing: dict[str, float] = {}

    def attach(self, tenant: str, tasks: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
        """The tasks, each call still to do with its `script` and `phones`."""
        calls = [
            t for t in tasks if t.get("channel") in CALL_CHANNELS and t.get("status") == "to_do"
        ]
        if not calls:
            return tasks
        started = time.perf_counter()
        material = self.store.material(tenant, calls)
        templates = self.templates.template_set(tenant)
        company = self.templates.company_info(tenant)
        read = time.perf_counter()
        collectors: dict[str, Collector | None] = {}
        currencies: dict[str, dict[int, str]] = {}
        for task in calls:
            ref = (
                str(task["company"]),
                str(task["customer"]),
                str(task["as_of"]),
                str(task["step"]),
            )
            found = material.get(ref, CallMaterial())
            task["phones"] = phone_numbers(found.customer, found.contacts, found.manual)
            task["script"] = None
            if found.action is None:
                continue
            if self.currencies is not None and ref[0] not in currencies:
                currencies[ref[0]] = self.currencies(tenant, ref[0])
            task["script"] = self._script(
                tenant, found, templates, company, collectors, currencies.get(ref[0], {}), today
            )
        done = time.perf_counter()
        self.last_timing = {"tasks": len(calls), "read_s": read - started,
                            "render_s": done - read}  # fmt: skip
        return tasks

    def _collector(
        self, tenant: str, assignee: str, known: dict[str, Collector | None]
    ) -> Collector | None:
        if self.users is None or not assignee or assignee == "_":
            return None
        if assignee not in known:
            user = self.users.get(tenant, assignee)
            known[assignee] = Collector(name=user.display_name, email=user.email) if user else None
        return known[assignee]

    def _script(
        self,
        tenant: str,
        found: CallMaterial,
        templates: TemplateSet,
        company: CompanyInfo,
        collectors: dict[str, Collector | None],
        currencies: dict[int, str],
        today: date,
    ) -> str | None:
        action = found.action or {}
        customer = found.customer or Customer(
            company=str(action.get("company", "")), number=str(action.get("customer", ""))
        )
        language = language_for(customer)
        channel: Channel = "other" if action.get("channel") == "other" else "phone"
        template_id = str(action.get("template", ""))
        template = templates.resolve(template_id, language, channel)
        if template is None:
            return None
        collector = self._collector(tenant, str(action.get("assignee", "")), collectors)
        context = build_context(action, customer, company, collector, language, today,
                                ledger=found.lines, currencies=currencies)  # fmt: skip
        try:
            return render(template, context).text
        except RenderError:
            default = TemplateSet().resolve(template_id, language, channel)
            return render(default, context).text if default is not None else None
