"""Which customers a portfolio covers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from relance.domain.portfolios import CustomerRef, Portfolio, PortfolioRule


def test_rules_match_by_company_by_rep_or_both_and_hand_picked_customers_count() -> None:
    portfolio = Portfolio(
        user_id="u1",
        rules=[PortfolioRule(company="BIJOU", rep_number=2), PortfolioRule(rep_number=9)],
        customers=[CustomerRef(company="ATELIER", number="C5")],
    )
    assert portfolio.covers("BIJOU", "C1", 2)
    assert not portfolio.covers("BIJOU", "C1", 3)
    assert not portfolio.covers("ATELIER", "C1", 2)  # rep 2, but only in BIJOU
    assert portfolio.covers("ATELIER", "C7", 9)  # rep 9 in any company
    assert portfolio.covers("ATELIER", "C5", None)  # by hand


def test_a_rule_that_would_match_everything_is_refused() -> None:
    with pytest.raises(ValidationError, match="needs a company"):
        PortfolioRule()


def test_an_empty_portfolio_means_all_customers() -> None:
    assert Portfolio(user_id="u1").is_empty
