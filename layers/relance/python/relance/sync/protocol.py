"""What the relay sends to Relance, and how it travels.

A sync run is: start -> batches (records, then key sets) -> finish.
- records batch: cleaned rows of one entity of one company.
- keys batch: every business key of one entity still present in Sage, in slices; at finish
  the server deletes what it holds and no key set names (deleted or settled in Sage).
- finish: per company, the watermarks reached and Sage's own aged balance for the control.

Every batch carries a deterministic id (run, company, entity, kind, sequence), so a resent
batch is recognised and changes nothing. Bodies are gzip-compressed JSON.
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from relance.domain.aging import AgedBalance
from relance.domain.records import CompanyCode, EntityName, SyncRecord

# API Gateway takes 10 MB, a synchronous Lambda 6 MB of (base64-encoded) payload: a batch
# stays far below both so a retry is cheap.
MAX_BATCH_BODY_BYTES = 1_000_000
MAX_RECORDS_PER_BATCH = 1_000
MAX_KEYS_PER_BATCH = 50_000

RunId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
SyncMode = Literal["full", "incremental"]


def batch_id(run_id: str, company: str, entity: str, kind: str, seq: int) -> str:
    return f"{run_id}.{company}.{entity}.{kind}.{seq:06d}"


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunStart(_Message):
    run_id: RunId
    mode: SyncMode
    companies: list[CompanyCode] = Field(min_length=1, max_length=10)
    started_at: datetime


class RecordsBatch(_Message):
    kind: Literal["records"] = "records"
    run_id: RunId
    company: CompanyCode
    entity: EntityName
    seq: int = Field(ge=0)
    records: list[SyncRecord] = Field(max_length=MAX_RECORDS_PER_BATCH)

    @property
    def batch_id(self) -> str:
        return batch_id(self.run_id, self.company, self.entity, self.kind, self.seq)


class KeysBatch(_Message):
    kind: Literal["keys"] = "keys"
    run_id: RunId
    company: CompanyCode
    entity: EntityName
    seq: int = Field(ge=0)
    keys: list[str] = Field(max_length=MAX_KEYS_PER_BATCH)

    @property
    def batch_id(self) -> str:
        return batch_id(self.run_id, self.company, self.entity, self.kind, self.seq)


Batch = Annotated[RecordsBatch | KeysBatch, Field(discriminator="kind")]


class CompanyResult(_Message):
    company: CompanyCode
    # Highest cbModification seen per entity; the next incremental run starts from it
    # (inclusive: the column only has minute precision).
    watermarks: dict[EntityName, datetime] = Field(default_factory=dict)
    records_sent: dict[EntityName, int] = Field(default_factory=dict)
    # How many key batches were sent per entity: the server refuses to delete anything
    # unless it holds every one of them.
    key_batches: dict[EntityName, int] = Field(default_factory=dict)
    sage_aged_balance: AgedBalance | None = None


class RunFinish(_Message):
    run_id: RunId
    as_of: date
    finished_at: datetime
    companies: list[CompanyResult] = Field(min_length=1, max_length=10)


def encode_body(message: BaseModel) -> bytes:
    """gzip-compressed JSON, as the relay sends it."""
    return gzip.compress(message.model_dump_json().encode("utf-8"), compresslevel=5)


def decode_body(body: bytes) -> object:
    """JSON from a possibly gzip-compressed body (the magic number tells)."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError) as err:
            raise ValueError(f"corrupt gzip body ({err})") from None
    return json.loads(body)
