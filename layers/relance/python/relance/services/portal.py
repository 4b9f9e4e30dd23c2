"""The customer portal (K7, B6): links collectors hand out, and what a customer does with one.

Collectors' side (`PortalLinks`): create a link for a customer (also the dispatch, one per
reminder), list, revoke, read a link's access log. The token is drawn here and shown once;
only its SHA-256 is stored.

Customers' side (`Portal`): every request opens its grant first (`enter`): an unknown,
revoked or expired token gets one and the same 401, so an answer tells nothing about which;
a link past its minute's budget gets 429; every request on a valid link is logged. What a
customer records goes through the follow-up service as a user's would, its actor being
`portal:{link_id}`, and raises an alert for the collector (C13).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from relance.auth.identity import Identity
from relance.domain.followup import Comment, Dispute, NewComment, NewDispute, NewPromise, Promise
from relance.domain.portal import (
    CENT,
    REQUESTS_PER_MINUTE,
    Grant,
    PortalDispute,
    PortalLink,
    PortalMessage,
    PortalPromise,
    PortalSettings,
    Reason,
    Statement,
    ip_fingerprint,
    letterhead,
    link_id_for_action,
    new_link,
    portal_actor,
    portal_url,
    rate_window,
    statement,
    statement_items,
    token_hash,
)
from relance.domain.templates import CompanyInfo
from relance.services.errors import Conflict, Invalid, NotFound, ServiceError, Unauthorized
from relance.services.followup import CustomerFile, FollowUpService, new_id
from relance.store.dynamo import ConflictError
from relance.store.portal import PortalStore


class TooManyRequests(ServiceError):
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "too_many_requests",
            f"Too many requests on this link: try again in {retry_after} s.",
            f"Trop de requêtes sur ce lien : réessayez dans {retry_after} s.",
            retry_after=retry_after,
        )
        self.retry_after = retry_after


def refused() -> Unauthorized:
    """The one answer to a token that opens nothing (unknown, revoked or expired)."""
    return Unauthorized(
        "portal_link_invalid",
        "This link is not valid (any more): ask your contact for a new one.",
        "Ce lien n'est pas (ou plus) valide : demandez-en un nouveau à votre interlocuteur.",
    )


class AlertSink(Protocol):
    def put_alert(self, tenant: str, alert: dict[str, Any]) -> None: ...


class CompanySource(Protocol):
    def company_info(self, tenant: str) -> CompanyInfo: ...


@dataclass(frozen=True)
class IssuedLink:
    """A link as created: the only time its token and URL are known."""

    link: PortalLink
    token: str
    url: str

    def view(self, now: datetime) -> dict[str, Any]:
        return {**link_view(self.link, now), "token": self.token, "url": self.url}


def link_view(link: PortalLink, now: datetime) -> dict[str, Any]:
    return {**link.model_dump(mode="json"), "state": link.state_at(now)}


class PortalLinks:
    def __init__(
        self,
        store: PortalStore,
        base_url: Callable[[], str],
        draw_token: Callable[[], str] = lambda: secrets.token_urlsafe(32),
    ) -> None:
        self.store = store
        self.base_url = base_url
        self.draw_token = draw_token

    # -- the tenant's setting ---------------------------------------------------------------
    def settings(self, tenant: str) -> PortalSettings:
        stored = self.store.setting(tenant)
        return PortalSettings.model_validate(stored) if stored else PortalSettings()

    def put_settings(self, who: Identity, body: PortalSettings) -> PortalSettings:
        who.require("admin")
        values = body.model_dump(exclude={"version"})
        try:
            self.store.put_setting(who.tenant, values, body.version)
        except ConflictError:
            current = self.settings(who.tenant).version
            raise Conflict(
                "stale_version",
                "The portal setting changed since you read it: reload and try again.",
                "Le réglage du portail a changé depuis votre lecture : rechargez puis recommencez.",
                current_version=current,
            ) from None
        return PortalSettings.model_validate({**values, "version": body.version + 1})

    # -- links ------------------------------------------------------------------------------
    def _issue(
        self, tenant: str, company: str, customer: str, link_id: str, by: str, now: datetime,
        action_key: str = "",
    ) -> IssuedLink:  # fmt: skip
        link = new_link(link_id, company, customer, by, now, self.settings(tenant).link_days,
                        action_key)  # fmt: skip
        token = self.draw_token()
        self.store.put_link(tenant, link, token_hash(token))
        return IssuedLink(link, token, portal_url(self.base_url(), token))

    def create(
        self, who: Identity, file: CustomerFile, now: datetime, idempotency_key: str | None
    ) -> tuple[IssuedLink, bool]:
        """A new link (user role; the route checked the customer). A retry with the same
        idempotency key gets the same link, with a new token: the first answer was lost,
        so nobody holds the first token, which stops working."""
        who.require("user")
        link_id = new_id(who.tenant, who.user_id, f"portal|{idempotency_key}"
                         if idempotency_key else None)  # fmt: skip
        existed = idempotency_key is not None and (
            self.store.link_item(who.tenant, file.company, file.number, link_id) is not None
        )
        issued = self._issue(who.tenant, file.company, file.number, link_id, who.user_id, now)
        return issued, not existed

    def for_action(
        self, tenant: str, company: str, customer: str, action_key: str, now: datetime
    ) -> str:
        """The URL a reminder carries: its action's own link, whatever the retries (each
        retry before the email left renews the token; the one sent is the last one)."""
        link_id = link_id_for_action(tenant, action_key)
        return self._issue(tenant, company, customer, link_id, "dispatch", now, action_key).url

    def links(self, who: Identity, file: CustomerFile, now: datetime) -> list[dict[str, Any]]:
        found = self.store.links(who.tenant, file.company, file.number)
        found.sort(key=lambda link: link.created_at, reverse=True)
        return [link_view(link, now) for link in found]

    def _link(self, who: Identity, file: CustomerFile, link_id: str) -> tuple[PortalLink, str]:
        stored = self.store.link_item(who.tenant, file.company, file.number, link_id)
        if stored is None:
            raise NotFound(
                "unknown_link",
                f"No portal link {link_id} for this customer.",
                f"Aucun lien de portail {link_id} pour ce client.",
            )
        return PortalLink.model_validate(stored), str(stored.get("token_hash", ""))

    def revoke(
        self, who: Identity, file: CustomerFile, link_id: str, now: datetime
    ) -> dict[str, Any]:
        who.require("user")
        link, digest = self._link(who, file, link_id)
        if link.revoked_at is None:
            self.store.revoke(who.tenant, link, digest, who.user_id, now)
            link = link.model_copy(update={"revoked_at": now, "revoked_by": who.user_id})
        return link_view(link, now)

    def accesses(self, who: Identity, file: CustomerFile, link_id: str) -> list[dict[str, Any]]:
        self._link(who, file, link_id)
        return self.store.accesses(who.tenant, file.company, file.number, link_id)


@dataclass(frozen=True)
class Visit:
    """One request on a valid link: who it acts as in the follow-up service."""

    grant: Grant
    now: datetime

    @property
    def who(self) -> Identity:
        return Identity(tenant=self.grant.tenant, role="user",
                        user_id=portal_actor(self.grant.link_id))  # fmt: skip


class Portal:
    def __init__(
        self,
        store: PortalStore,
        followup: FollowUpService,
        company: CompanySource,
        alerts: AlertSink,
        invoice_pdfs: Callable[[str, str, str], dict[str, str]] | None = None,
        limit: int = REQUESTS_PER_MINUTE,
    ) -> None:
        self.store = store
        self.followup = followup
        self.company = company
        self.alerts = alerts
        self.invoice_pdfs = invoice_pdfs
        self.limit = limit

    def enter(self, token: str, what: str, source_ip: str, now: datetime) -> Visit:
        """The visit a token opens: 401 (any reason, one answer), 429 past the minute's
        budget (logged too), else logged and let in."""
        grant = self.store.grant(token_hash(token)) if token else None
        if grant is None or not grant.valid(now):
            raise refused()
        minute, retry_after = rate_window(now)
        count = self.store.count_request(grant.tenant, grant.link_id, minute, now)
        ip = ip_fingerprint(grant.tenant, source_ip)
        if count > self.limit:
            if count == self.limit + 1:  # the first refusal is logged, not a flood of them
                self.store.log_access(grant, now, what, 429, ip)
            raise TooManyRequests(retry_after)
        self.store.log_access(grant, now, what, 200, ip)
        return Visit(grant, now)

    def _file(self, visit: Visit) -> CustomerFile:
        g = visit.grant
        return self.followup.customer_file(visit.who, g.company, g.customer, None, write=True)

    def statement(self, visit: Visit) -> Statement:
        g = visit.grant
        try:
            file = self._file(visit)
        except NotFound:  # the customer left the ledger since: an empty statement
            file = CustomerFile(g.company, g.customer, None)
        disputes = [
            Dispute.model_validate(raw)
            for raw in self.followup.store.items(g.tenant, g.company, g.customer, "DISPUTE#")
        ]
        pdfs = self.invoice_pdfs(g.tenant, g.company, g.customer) if self.invoice_pdfs else {}
        as_of = visit.now.date()
        info = self.company.company_info(g.tenant)
        head = letterhead(info.legal_name, info.address_lines, info.phone, info.email,
                          info.website)  # fmt: skip
        reasons = [Reason(**r.model_dump()) for r in self.followup.reasons(g.tenant).reasons]
        items = statement_items(file.lines, disputes, as_of, pdfs)
        return statement(file.customer, g.customer, head, items, as_of, g.valid_until, reasons)

    def promise(
        self, visit: Visit, body: PortalPromise, idempotency_key: str | None
    ) -> tuple[Promise, bool]:
        file = self._file(visit)
        amount = body.amount if body.amount is not None else file.total.quantize(CENT)
        if amount <= 0:
            raise Invalid(
                "nothing_due",
                "Nothing is due on this account: give the amount you promise.",
                "Rien n'est dû sur ce compte : indiquez le montant que vous promettez.",
                field="amount",
            )
        new = NewPromise(amount=amount, promised_date=body.promised_date, note=body.note)
        promise, is_new = self.followup.make_promise(
            visit.who, file, new, visit.now, idempotency_key
        )
        if is_new:
            detail = f"{promise.amount} @ {promise.promised_date.isoformat()}: {body.note}"
            self._alert(visit, "portal_promise", promise.promise_id, [], detail)
        return promise, is_new

    def dispute(
        self, visit: Visit, body: PortalDispute, idempotency_key: str | None
    ) -> tuple[Dispute, bool]:
        file = self._file(visit)
        new = NewDispute(reason=body.reason, entries=body.entries, note=body.message)
        dispute, is_new = self.followup.open_dispute(
            visit.who, file, new, visit.now, idempotency_key
        )
        if is_new:
            self._alert(visit, "portal_dispute", dispute.dispute_id, dispute.entries,
                        f"{dispute.reason}: {body.message}")  # fmt: skip
        return dispute, is_new

    def message(
        self, visit: Visit, body: PortalMessage, idempotency_key: str | None
    ) -> tuple[Comment, bool]:
        file = self._file(visit)
        comment, is_new = self.followup.add_comment(
            visit.who, file, NewComment(text=body.text), visit.now, idempotency_key
        )
        if is_new:
            self._alert(visit, "portal_message", comment.comment_id, [], body.text)
        return comment, is_new

    def _alert(
        self, visit: Visit, kind: str, item_id: str, entries: list[int], detail: str
    ) -> None:
        g = visit.grant
        self.alerts.put_alert(
            g.tenant,
            {"company": g.company, "customer": g.customer, "kind": kind, "step": item_id,
             "entries": entries, "detail": detail[:500], "link_id": g.link_id,
             "raised_on": visit.now.date(), "raised_at": visit.now.isoformat()},
        )  # fmt: skip
