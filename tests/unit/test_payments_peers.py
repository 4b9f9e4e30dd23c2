"""Similar customers: a newcomer is predicted from customers like it (same quality,
profile, terms, size), not from the whole company; groups need several informed members."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from relance.domain.payments import OpenItem, PaymentModel, SettledInvoice
from relance.domain.payments.peers import (
    MIN_INFORMED,
    Traits,
    peer_groups,
    similar,
    size_band,
    terms_band,
    traits_of,
)

AS_OF = date(2026, 6, 30)


def invoices(
    customer: str, late: int, n: int = 12, terms: int = 30, amount: str = "2000"
) -> list[SettledInvoice]:
    """n invoices due monthly back from AS_OF, each paid `late` days late."""
    out = []
    for i in range(n):
        due = AS_OF - timedelta(days=30 * (i + 2))
        out.append(
            SettledInvoice("C1", customer, hash((customer, i)) % 10**6, due - timedelta(days=terms),
                           due, Decimal(amount), due + timedelta(days=late))
        )  # fmt: skip
    return out


def test_traits_band_terms_and_size_from_the_invoices() -> None:
    assert (terms_band(30), terms_band(45), terms_band(60), terms_band(90)) == (
        "30",
        "45",
        "60",
        "long",
    )
    assert (size_band(Decimal(600)), size_band(Decimal(2000)), size_band(Decimal(8000))) == (
        "small",
        "medium",
        "large",
    )
    t = traits_of(invoices("A", 0, terms=60), [Decimal("900")], "Administration", "public")
    assert t == Traits("Administration", "public", "60", "medium")
    # Known before any payment: quality, profile and size of what it owes; terms unknown.
    assert traits_of([], [Decimal("700")], "PME") == Traits("PME", "", "", "small")


def test_a_newcomer_is_expected_at_its_peers_delay_not_the_companys() -> None:
    history: list[SettledInvoice] = []
    qualities: dict[tuple[str, str], str] = {}
    for i in range(MIN_INFORMED):  # slow public bodies, punctual companies (twice as many)
        history += invoices(f"ADM{i}", 40)
        qualities[("C1", f"ADM{i}")] = "Administration"
    for i in range(2 * MIN_INFORMED):
        history += invoices(f"PME{i}", 0)
        qualities[("C1", f"PME{i}")] = "PME"
    qualities[("C1", "NEW")] = "Administration"
    owed = [OpenItem("C1", "NEW", 1, AS_OF, AS_OF + timedelta(days=10), Decimal("2500"))]
    groups = similar(history, owed, qualities)
    # Its terms are unknown before a payment: the finest group that fits is quality,
    # profile and size (the public bodies' invoices are medium, as its own).
    assert groups.of[("C1", "NEW")] == "quality+profile+size:Administration//medium"
    with_peers = PaymentModel(history, AS_OF, groups.of, owed, groups.members)
    company_only = PaymentModel(history, AS_OF, {}, owed)
    due = AS_OF + timedelta(days=10)
    peers = with_peers.estimate(("C1", "NEW"), due)
    assert (peers.source, (peers.expected_on - due).days) == ("peers", 40)
    assert (company_only.estimate(("C1", "NEW"), due).expected_on - due).days == 0


def test_a_group_with_too_few_informed_members_lends_nothing() -> None:
    traits = {("C1", f"X{i}"): Traits("Rare") for i in range(MIN_INFORMED)}
    informed = list(traits)[: MIN_INFORMED - 1]
    assert peer_groups(traits, informed).of == {}
    assert len(peer_groups(traits, list(traits)).of) == MIN_INFORMED


trait = st.builds(
    Traits,
    st.sampled_from(["PME", "Grand compte", "Administration"]),
    st.sampled_from(["", "standard", "public"]),
    st.sampled_from(["", "30", "45", "60", "long"]),
    st.sampled_from(["", "small", "medium", "large"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(trait, st.booleans()), min_size=1, max_size=60))
def test_every_group_lent_from_has_enough_informed_members_sharing_its_traits(
    drawn: list[tuple[Traits, bool]],
) -> None:
    traits = {("C1", f"N{i}"): t for i, (t, _) in enumerate(drawn)}
    informed = [("C1", f"N{i}") for i, (_, yes) in enumerate(drawn) if yes]
    groups = peer_groups(traits, informed)
    for customer, label in groups.of.items():
        members = groups.members[label]
        assert customer in members
        assert len([c for c in members if c in informed]) >= MIN_INFORMED
        # Everyone in the group shares the customer's quality (the coarsest level).
        assert {traits[c].quality for c in members} == {traits[customer].quality}
