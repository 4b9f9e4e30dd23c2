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


def test_a_profile_rule_matches_the_customers_of_that_profile_only_when_it_is_known() -> None:
    portfolio = Portfolio(
        user_id="u1",
        rules=[PortfolioRule(profile="grands_comptes"), PortfolioRule(company="A", profile="x")],
    )
    assert portfolio.uses_profiles
    assert portfolio.covers("BIJOU", "C1", 2, "grands_comptes")
    assert not portfolio.covers("BIJOU", "C1", 2, "standard")
    assert not portfolio.covers("BIJOU", "C1", 2)  # profile not known: no match
    assert portfolio.covers("A", "C1", None, "x") and not portfolio.covers("B", "C1", None, "x")
    assert not Portfolio(user_id="u2", rules=[PortfolioRule(company="A")]).uses_profiles
    # A profile alone is a criterion; an id the profiles could not have is refused.
    assert PortfolioRule(profile="vip").matches("ANY", None, "vip")
    with pytest.raises(ValidationError):
        PortfolioRule(profile="Grands Comptes")


def test_an_empty_portfolio_means_all_customers() -> None:
    assert Portfolio(user_id="u1").is_empty
