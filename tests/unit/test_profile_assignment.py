"""The nightly run gives a task to the collector whose portfolio covers the customer, a
profile rule matching the profile the run evaluates the customer with (C3, K3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from relance.domain.dunning import CustomerCase, DunningSettings, ProfileBook
from relance.domain.dunning.inputs import INVOICE, Item
from relance.domain.dunning.profiles import default_settings
from relance.domain.portfolios import Portfolio, PortfolioRule
from relance.domain.records import Customer
from relance.services.nightly import _assignee
from relance.store.dunning import UNASSIGNED

AS_OF = date(2026, 11, 23)
BOOK = ProfileBook.of(
    DunningSettings.model_validate(
        {
            **default_settings().model_dump(),
            "profiles": [
                {"profile_id": "standard", "name": "Standard", "scenario_id": "standard"},
                {"profile_id": "vip", "name": "VIP", "scenario_id": "standard",
                 "rules": [{"min_outstanding": "1000"}]},
            ],
        }
    )
)  # fmt: skip
PORTFOLIOS = [
    ("sophie", Portfolio(user_id="sophie", rules=[PortfolioRule(profile="vip")])),
    ("marc", Portfolio(user_id="marc", rules=[PortfolioRule(company="BIJOU")])),
]


def case(owed: str, by_hand: str | None = None) -> CustomerCase:
    items = [Item(1, "VTE", INVOICE, AS_OF, Decimal(owed))]
    return CustomerCase(Customer(company="BIJOU", number="C1"), items, profile=by_hand)


def test_a_profile_rule_takes_the_customers_the_run_puts_in_that_profile() -> None:
    assert _assignee(case("1500"), BOOK, PORTFOLIOS) == "sophie"  # vip by its outstanding
    assert _assignee(case("200"), BOOK, PORTFOLIOS) == "marc"  # standard: the next portfolio
    assert _assignee(case("200", by_hand="vip"), BOOK, PORTFOLIOS) == "sophie"
    assert _assignee(case("1500", by_hand="standard"), BOOK, PORTFOLIOS) == "marc"
    assert _assignee(case("200"), BOOK, PORTFOLIOS[:1]) == UNASSIGNED
