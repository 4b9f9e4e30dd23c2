"""Portfolios (K3): which customers a collector works on.

A portfolio is rules (every customer of a company, of a Sage rep in a company, of a
dunning profile: C3) plus customers assigned by hand. A user with a portfolio sees and
acts on those customers only; a user without one works on all (issue 3: "or all if it has
none"). Pure.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from relance.domain.records import Code, CompanyCode


class CustomerRef(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    company: CompanyCode
    number: Code


class PortfolioRule(BaseModel):
    """Matches the customers of a company, of a Sage rep (CO_No), of a dunning profile (the
    one in the customer's summary), or of several of these at once: every criterion it
    sets must hold."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    company: CompanyCode | None = None
    rep_number: int | None = Field(default=None, ge=1)
    profile: str | None = Field(default=None, min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")

    @model_validator(mode="after")
    def _not_everything(self) -> PortfolioRule:
        if self.company is None and self.rep_number is None and self.profile is None:
            raise ValueError("a rule needs a company, a rep_number, a profile, or several")
        return self

    def matches(self, company: str, rep_number: int | None, profile: str | None = None) -> bool:
        """`profile`: the customer's, None where it is not known (a profile rule then does
        not match)."""
        return (
            (self.company is None or self.company == company)
            and (self.rep_number is None or self.rep_number == rep_number)
            and (self.profile is None or self.profile == profile)
        )


class PortfolioBody(BaseModel):
    """What an admin sends: the whole portfolio, and the version it was read at."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    rules: list[PortfolioRule] = Field(default_factory=list, max_length=50)
    customers: list[CustomerRef] = Field(default_factory=list, max_length=2000)
    version: int = Field(ge=0)


class Portfolio(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")

    user_id: str
    rules: list[PortfolioRule] = Field(default_factory=list)
    customers: list[CustomerRef] = Field(default_factory=list)
    version: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.rules and not self.customers

    @property
    def uses_profiles(self) -> bool:
        return any(rule.profile is not None for rule in self.rules)

    def covers(
        self, company: str, number: str, rep_number: int | None, profile: str | None = None
    ) -> bool:
        if CustomerRef(company=company, number=number) in self.customers:
            return True
        return any(rule.matches(company, rep_number, profile) for rule in self.rules)


def working_scope(role: str, portfolio: Portfolio | None) -> Portfolio | None:
    """The customers a caller may work on: a user's own portfolio, if it has one.

    Admins and read-only users see the whole tenant (the CFO reads everything); so does a
    user without a portfolio."""
    if role != "user" or portfolio is None or portfolio.is_empty:
        return None
    return portfolio
