"""What leaves for SES (store/mail.py, no AWS): the pace the account allows, tags SES
accepts and the events function reads back, a message mail clients read as written."""

from __future__ import annotations

import email
import itertools
import re
from email.policy import default as default_policy

from relance.store.mail import (
    Attachment,
    OutgoingEmail,
    TokenBucket,
    mime_message,
    tag_text,
    tag_value,
    tenant_tag,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_bucket_never_sends_faster_than_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(14.0, capacity=1.0, clock=clock, sleep=clock.sleep)
    sent_at = []
    for _ in range(141):
        bucket.take()
        sent_at.append(clock.now)
    # 141 sends at 14/s: the first at once, the last ten seconds later, never two closer.
    assert abs(sent_at[-1] - 10.0) < 1e-9
    assert min(b - a for a, b in itertools.pairwise(sent_at)) >= 1 / 14 - 1e-9


def test_an_idle_bucket_gives_no_more_than_its_capacity_at_once() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10.0, capacity=1.0, clock=clock, sleep=clock.sleep)
    clock.now = 60.0  # a minute without sending
    waits = [bucket.take() for _ in range(3)]
    assert waits[0] == 0 and waits[1] > 0.099 and waits[2] > 0.099


def test_tags_hold_only_what_ses_accepts_and_read_back() -> None:
    key = "BIJOU#C0421#R5#2026-11-23"
    value = tag_value(key)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", value) and tag_text(value) == key
    assert tenant_tag("t-0a1b2c3d") == "t-0a1b2c3d"
    assert re.fullmatch(r"[A-Za-z0-9_-]+", tenant_tag("société#1"))


def test_the_message_reads_back_with_its_parts_names_and_attachment() -> None:
    outgoing = OutgoingEmail(
        sender_address="relances@ateliers-martin.fr",
        sender_name="Ateliers Martin – Comptabilité",
        to=("compta@boulangerie.fr", "direction@boulangerie.fr"),
        subject="Mise en demeure – factures échues",
        html="<p>Madame, Monsieur, <strong>1\u202f545,60\xa0€</strong></p>",
        text="Madame, Monsieur, 1\u202f545,60\xa0€",
        attachments=(Attachment("mise_en_demeure_C0421.pdf", b"%PDF-1.7 ..."),),
        reply_to="compta@ateliers-martin.fr",
    )
    raw = mime_message(outgoing)
    assert raw.isascii()  # every non-ASCII character encoded, as SMTP wants
    parsed = email.message_from_bytes(raw, policy=default_policy)
    assert parsed["From"] == "Ateliers Martin – Comptabilité <relances@ateliers-martin.fr>"
    assert parsed["Subject"] == "Mise en demeure – factures échues"
    assert parsed["To"] == "compta@boulangerie.fr, direction@boulangerie.fr"
    assert parsed["Reply-To"] == "compta@ateliers-martin.fr"
    assert "1\u202f545,60\xa0€" in parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "<strong>" in parsed.get_body(("html",)).get_content()  # type: ignore[union-attr]
    (attachment,) = parsed.iter_attachments()
    assert attachment.get_filename() == "mise_en_demeure_C0421.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == b"%PDF-1.7 ..."
