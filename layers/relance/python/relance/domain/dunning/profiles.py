"""Customer profiles (C3): which scenario each customer follows.

A profile has assignment rules and one scenario. A customer gets, in this order: the
profile chosen for it by hand; the profile of the first rule that matches (profiles in
their listed order, then rules in theirs); the default profile. A rule matches on any of
company, Sage quality (CT_Qualite), risk code (N_Risque), rep (CO_No), collective account
(CG_NumPrinc) and an outstanding range [min, max); every criterion it sets must hold.
Pure; `ProfileBook` is the compiled form the nightly run uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from relance.domain.dunning.plan import Plan, compile_scenario
from relance.domain.dunning.scenarios import Scenario, default_scenario
from relance.domain.records import CompanyCode, Customer

ProfileId = str


class ProfileRule(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    company: CompanyCode | None = None
    quality: str | None = Field(default=None, min_length=1, max_length=69)  # case ignored
    risk_code: int | None = None
    rep_number: int | None = Field(default=None, ge=1)
    collective_account: str | None = Field(default=None, min_length=1, max_length=13)
    min_outstanding: Decimal | None = None  # total open balance >= this
    max_outstanding: Decimal | None = None  # total open balance < this

    @model_validator(mode="after")
    def _something(self) -> ProfileRule:
        if all(getattr(self, f) is None for f in type(self).model_fields):
            raise ValueError("a rule needs at least one criterion")
        lo, hi = self.min_outstanding, self.max_outstanding
        if lo is not None and hi is not None and lo >= hi:
            raise ValueError("min_outstanding must be below max_outstanding")
        return self

    @property
    def uses_outstanding(self) -> bool:
        return self.min_outstanding is not None or self.max_outstanding is not None

    def matches(self, customer: Customer, outstanding: Decimal) -> bool:
        return (
            (self.company is None or self.company == customer.company)
            and (self.quality is None or self.quality.casefold() == customer.quality.casefold())
            and (self.risk_code is None or self.risk_code == customer.risk_code)
            and (self.rep_number is None or self.rep_number == customer.rep_number)
            and (
                self.collective_account is None
                or self.collective_account == customer.collective_account
            )
            and (self.min_outstanding is None or outstanding >= self.min_outstanding)
            and (self.max_outstanding is None or outstanding < self.max_outstanding)
        )


class Profile(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    profile_id: ProfileId = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=80)
    scenario_id: str = Field(min_length=1, max_length=40)
    rules: list[ProfileRule] = Field(default_factory=list, max_length=50)


class DunningSettings(BaseModel):
    """A tenant's scenarios and profiles, saved together so they always agree."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    scenarios: list[Scenario] = Field(min_length=1, max_length=50)
    profiles: list[Profile] = Field(min_length=1, max_length=50)
    default_profile: ProfileId
    version: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> DunningSettings:
        scenario_ids = [s.scenario_id for s in self.scenarios]
        if len(set(scenario_ids)) != len(scenario_ids):
            raise ValueError("scenario ids must be unique")
        profile_ids = [p.profile_id for p in self.profiles]
        if len(set(profile_ids)) != len(profile_ids):
            raise ValueError("profile ids must be unique")
        for p in self.profiles:
            if p.scenario_id not in scenario_ids:
                raise ValueError(f"profile {p.profile_id}: unknown scenario {p.scenario_id}")
        if self.default_profile not in profile_ids:
            raise ValueError(f"unknown default profile {self.default_profile}")
        return self


def default_settings() -> DunningSettings:
    return DunningSettings(
        scenarios=[default_scenario()],
        profiles=[Profile(profile_id="standard", name="Standard", scenario_id="standard")],
        default_profile="standard",
    )


@dataclass(frozen=True, slots=True)
class ProfileBook:
    """Settings compiled once per run: each scenario's plan, the rules in the order they win."""

    plans: dict[ProfileId, Plan]  # profile -> its scenario's plan
    rules: tuple[tuple[ProfileRule, ProfileId], ...]
    default: ProfileId
    needs_outstanding: bool  # some rule reads the customer's outstanding

    @classmethod
    def of(cls, settings: DunningSettings) -> ProfileBook:
        compiled = {s.scenario_id: compile_scenario(s) for s in settings.scenarios}
        rules = tuple((r, p.profile_id) for p in settings.profiles for r in p.rules)
        return cls(
            plans={p.profile_id: compiled[p.scenario_id] for p in settings.profiles},
            rules=rules,
            default=settings.default_profile,
            needs_outstanding=any(r.uses_outstanding for r, _ in rules),
        )

    def profile_for(
        self, customer: Customer, outstanding: Decimal = Decimal(0), by_hand: str | None = None
    ) -> ProfileId:
        """By hand (when that profile still exists), else the first matching rule, else
        the default."""
        if by_hand is not None and by_hand in self.plans:
            return by_hand
        for rule, profile in self.rules:
            if rule.matches(customer, outstanding):
                return profile
        return self.default
