"""The dunning engine (issue 4): who must be reminded today, how, and about what. Pure.

For the engineer wiring the nightly run (store -> Lambda fan-out -> actions):

Inputs, per tenant
- `DunningSettings` (profiles.py): the tenant's scenarios and profiles, one pydantic
  document (`default_settings()` when none). Compile once per run: `ProfileBook.of(s)`.
- `as_of`: the tenant's local date of the run (the domain reads no clock).
Inputs, per customer: a `CustomerCase` (inputs.py)
- `customer`: the synced `Customer` (CT_NotRappel -> no_reminder, CT_NotPenal -> no_penalty);
- `items`: its open ledger lines as `Item` tuples (`items_of(lines, sales_journals)`, or
  built straight from store rows; sales journals are the JO_Type 1 codes);
- `history`: entry -> `Done(step, on, times, pending)`, the last step issued per item. It
  is also the "previous open set": an entry in the history that is no longer among the
  items has been settled, which is what triggers the thank-you. So pass every customer
  that has open items OR a non-empty history;
- `stops` (C15), `disputes` and `promises` (followup.py models), `overrides` (C17),
  `contacts` (Sage) and `manual_contacts` (V13), `profile` (chosen by hand, C3).
Call
- `evaluate(cases, book, as_of) -> Outcome`; or `evaluate_customer(case, plan, as_of)`.
  About 250,000 items a second in one process on a 2-core machine (bench/dunning_eval.py,
  200,000 items): a tenant's whole ledger fits in one invocation; fan out per tenant, not
  per customer. Reading the store, not evaluating, will be the nightly run's cost.
Outputs: `Outcome` (actions.py)
- `actions`: `Action` tuples (customer, lines = entries with open amount and days late,
  step N1..N3/R1..R5/T, phase, level, channel, auto/manual, contact role, resolved
  recipient, template, amount, claim_penalties, formal_notice) and a deterministic `key`
  (company#customer#step#date; prefix the tenant) for exactly-once writes (B4);
- `alerts` (C13): missing email / phone / address, customer not to be reminded, override
  ignored; `Alert.key` de-duplicates them across runs;
- `spent_overrides`: ids to delete; `forget`: (company, customer) -> entries whose history
  can be deleted (and whose pending manual task, if any, cancelled). An entry whose last
  step is dated today is kept until the next day: in account mode it says a message went.
After writing the actions, write each customer's new history in the same transaction:
`record(history, that customer's actions, as_of, forget)`. A manual action is recorded as
pending: the item does not move on until `complete(history, entries, on)` is called when
the collector has done (or skipped) the task. A dry run (B9) is `evaluate` without
`record`. Penalty amounts for a letter come from `penalties.claim(...)` with the tenant's
`RateTable` when `Action.claim_penalties` is set.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relance.domain.dunning.actions import Action, ActionLine, Alert, Outcome, complete, record
    from relance.domain.dunning.evaluate import evaluate, evaluate_customer
    from relance.domain.dunning.inputs import CustomerCase, Done, Item, Override, Stop, items_of
    from relance.domain.dunning.penalties import RateTable, claim, penalty
    from relance.domain.dunning.plan import Plan, compile_scenario
    from relance.domain.dunning.profiles import (
        DunningSettings,
        Profile,
        ProfileBook,
        ProfileRule,
        default_settings,
    )
    from relance.domain.dunning.scenarios import Inclusion, Scenario, Step, default_scenario

# Where each name lives: a module that needs one part of the engine (the API's answers use
# DunningSettings, Stop, Override) loads that part only, not the evaluation (cold start).
_HOMES = {
    "actions": ("Action", "ActionLine", "Alert", "Outcome", "complete", "record"),
    "evaluate": ("evaluate", "evaluate_customer"),
    "inputs": ("CustomerCase", "Done", "Item", "Override", "Stop", "items_of"),
    "penalties": ("RateTable", "claim", "penalty"),
    "plan": ("Plan", "compile_scenario"),
    "profiles": ("DunningSettings", "Profile", "ProfileBook", "ProfileRule", "default_settings"),
    "scenarios": ("Inclusion", "Scenario", "Step", "default_scenario"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    if name not in _HOME_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_HOME_OF[name]}"), name)
    globals()[name] = value
    return value


class _Package(ModuleType):
    """Keeps `evaluate` the function when evaluate.py loads: the import system binds each
    submodule on its package, which would make `from relance.domain.dunning import
    evaluate` the module."""

    def __setattr__(self, name: str, value: Any) -> None:
        if not (name in _HOME_OF and isinstance(value, ModuleType)):
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = [
    "Action",
    "ActionLine",
    "Alert",
    "CustomerCase",
    "Done",
    "DunningSettings",
    "Inclusion",
    "Item",
    "Outcome",
    "Override",
    "Plan",
    "Profile",
    "ProfileBook",
    "ProfileRule",
    "RateTable",
    "Scenario",
    "Step",
    "Stop",
    "claim",
    "compile_scenario",
    "complete",
    "default_scenario",
    "default_settings",
    "evaluate",
    "evaluate_customer",
    "items_of",
    "penalty",
    "record",
]
