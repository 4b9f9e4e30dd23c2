"""Email through SES v2: one raw MIME message per reminder, at the account's pace.

`Mailer.send` builds the message (HTML and text parts, attachments such as the letter PDF
of a formal notice), sends it through the tenant's configuration set with two tags the
events function reads back (`tenant`, and `action`: the action's key in base64url, since
SES tag values allow only letters, digits, _ and -), and returns SES's message id.

Pace: a token bucket at this instance's share of the account's MaxSendRate (SES v2
GetAccount, read once per invocation; `RELANCE_SEND_RATE` caps it, and stands in when
SES does not answer). Throttling is retried with exponential backoff and full jitter;
what SES refuses for good (a rejected message, an unverified sender) is not.
"""

from __future__ import annotations

import base64
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from relance.store.names import dispatch_concurrency, send_rate_cap

# SES's own default for a new production account: what we assume if it cannot be asked.
DEFAULT_SEND_RATE = 14.0
# Throttled: retried this many times, waiting base * 2^attempt (jittered, capped).
MAX_ATTEMPTS = 6
BACKOFF_BASE_S = 0.2
BACKOFF_CAP_S = 5.0
RETRIED = frozenset({"TooManyRequestsException", "Throttling", "ThrottlingException"})
# The account (or the configuration set) is paused, or today's quota is used up: waiting
# seconds will not help; the message comes back later through SQS.
PAUSED = frozenset({"SendingPausedException", "LimitExceededException"})


class SendThrottled(Exception):
    """SES kept throttling (or is paused): nothing was sent; try again later."""

    def __init__(self, code: str, attempts: int) -> None:
        super().__init__(f"{code} after {attempts} attempt(s)")
        self.code = code


class SendRefused(Exception):
    """SES refused the message for good (rejected, unverified sender...): nothing was sent."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/pdf"


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML shows by `cid:{content_id}` (multipart/related)."""

    content_id: str
    content: bytes
    subtype: str = "png"


@dataclass(frozen=True)
class OutgoingEmail:
    sender_address: str
    sender_name: str
    to: tuple[str, ...]
    subject: str
    html: str
    text: str
    attachments: tuple[Attachment, ...] = ()
    reply_to: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    inline: tuple[InlineImage, ...] = ()  # images the HTML shows (the daily report's chart)


def tag_value(text: str) -> str:
    """A value SES accepts as a message tag: base64url without padding (letters, digits,
    - and _ only), which the events function decodes back to the text."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def tenant_tag(tenant: str) -> str:
    """The `tenant` tag: the tenant id as it is when SES accepts it (ids are "t-" + hex),
    else encoded like the action (the events function reads both)."""
    return tenant if re.fullmatch(r"[A-Za-z0-9_-]{1,256}", tenant) else tag_value(tenant)


def tag_text(value: str) -> str:
    """The text a `tag_value` came from."""
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()


def mime_message(email: OutgoingEmail) -> bytes:
    """The raw message: multipart/alternative (text, HTML), inside multipart/mixed when
    there are attachments; non-ASCII names and subjects encoded (RFC 2047). Built with the
    compat32 MIME classes: three times faster than EmailMessage, same bytes on the wire."""
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(email.text, "plain", "utf-8"))
    body.attach(MIMEText(email.html, "html", "utf-8"))
    message = body
    if email.inline:  # the HTML and its images together: multipart/related (RFC 2387)
        related = MIMEMultipart("related")
        related.attach(body)
        for image in email.inline:
            picture = MIMEImage(image.content, image.subtype)
            picture.add_header("Content-ID", f"<{image.content_id}>")
            picture.add_header("Content-Disposition", "inline")
            related.attach(picture)
        message = body = related
    if email.attachments:
        message = MIMEMultipart("mixed")
        message.attach(body)
        for attachment in email.attachments:
            part = MIMEApplication(attachment.content, attachment.mime_type.partition("/")[2])
            part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
            message.attach(part)
    host = email.sender_address.partition("@")[2]
    message["From"] = formataddr((email.sender_name, email.sender_address), charset="utf-8")
    message["To"] = ", ".join(email.to)
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Subject"] = Header(email.subject, "utf-8").encode()
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=host or "relance")
    return message.as_bytes()


class TokenBucket:
    """At most `rate` takes per second on average, bursts of `capacity`. Thread-safe."""

    def __init__(
        self,
        rate: float,
        capacity: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(1.0, rate)
        self.tokens = self.capacity
        self.clock, self.sleep = clock, sleep
        self.updated = clock()
        self.lock = threading.Lock()

    def take(self) -> float:
        """Wait for one token; the seconds waited."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            self.tokens -= 1
            wait = -self.tokens / self.rate if self.tokens < 0 else 0.0
        if wait > 0:
            self.sleep(wait)
        return wait


def ses_client() -> Any:
    # Our own retries (below) handle throttling: botocore's would hide it and not jitter
    # across the bucket's pace.
    return boto3.client("sesv2", config=Config(retries={"max_attempts": 1, "mode": "standard"}))


class Mailer:
    def __init__(
        self,
        configuration_set: str | None,
        client: Any | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.configuration_set = configuration_set
        self.client = client or ses_client()
        self.sleep = sleep
        self.max_attempts = max_attempts
        self._bucket: TokenBucket | None = None
        self._rate_known = False
        self._lock = threading.Lock()  # a batch's messages are sent from several threads
        self.requests = 0  # SES calls made, throttled ones included (the bench reports them)
        self.throttled = 0

    # -- pace ----------------------------------------------------------------------------
    def account_rate(self) -> float:
        """The account's MaxSendRate, capped by RELANCE_SEND_RATE; that cap (or SES's
        default) when SES does not tell."""
        cap = send_rate_cap()
        try:
            quota = self.client.get_account().get("SendQuota") or {}
            rate = float(quota.get("MaxSendRate") or 0) or None
        except ClientError:
            rate = None
        if rate is None:
            return cap or DEFAULT_SEND_RATE
        return min(rate, cap) if cap else rate

    def new_invocation(self) -> None:
        """Forget the rate read: the next send asks SES again (once per invocation). The
        bucket itself is kept: a new invocation gets no burst of its own."""
        self._rate_known = False

    def bucket(self) -> TokenBucket:
        with self._lock:
            if not self._rate_known:
                share = self.account_rate() / dispatch_concurrency()
                if self._bucket is None:
                    self._bucket = TokenBucket(share, capacity=1.0, sleep=self.sleep)
                self._bucket.rate = share
                self._rate_known = True
            assert self._bucket is not None
            return self._bucket

    # -- sending -------------------------------------------------------------------------
    def send(self, email: OutgoingEmail) -> str:
        """Send one email (see send_raw)."""
        return self.send_raw(email, mime_message(email))

    def send_raw(self, email: OutgoingEmail, raw: bytes) -> str:
        """Send one email as `raw` (its mime_message); SES's message id. Raises
        SendThrottled or SendRefused (a 4xx answer: nothing sent); any other error (5xx,
        network) leaves it unknown whether SES accepted the message."""
        request: dict[str, Any] = {
            # The display name travels in the From header (encoded); this is the identity.
            "FromEmailAddress": email.sender_address,
            "Content": {"Raw": {"Data": raw}},
            "EmailTags": [{"Name": k, "Value": v} for k, v in email.tags.items()],
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        code = ""
        for attempt in range(self.max_attempts):
            self.bucket().take()
            try:
                self.requests += 1
                answer = self.client.send_email(**request)
                return str(answer["MessageId"])
            except ClientError as err:
                code = err.response["Error"]["Code"]
                if code in PAUSED:
                    raise SendThrottled(code, attempt + 1) from err
                if code not in RETRIED:
                    status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500)
                    if status >= 500:
                        raise  # SES failed on its side: it may have sent it or not
                    raise SendRefused(code, err.response["Error"].get("Message", "")) from err
                self.throttled += 1
                self.sleep(random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt)))
        raise SendThrottled(code, self.max_attempts)
