"""The documents bucket (S3): every letter PDF and every email as sent, kept as proof (C16).

Keys: `{tenant}/{company}/{customer}/{as_of}/{step}.pdf` for a letter (also the PDF a
formal notice email attaches), `.eml` beside it for an email as SES received it, and
`{tenant}/runs/{as_of}/letters.pdf` for a run's grouped letters to print (C18). Every key
starts with the tenant: one tenant's call never reaches another's documents. Writing a
key again writes the same bytes (the bucket is versioned: nothing is lost either way).
"""

from __future__ import annotations

from typing import Any

import boto3

PDF = "application/pdf"
EML = "message/rfc822"


def action_document_key(
    tenant: str, company: str, customer: str, as_of: str, step: str, extension: str
) -> str:
    return f"{tenant}/{company}/{customer}/{as_of}/{step}.{extension}"


def grouped_letters_key(tenant: str, as_of: str) -> str:
    return f"{tenant}/runs/{as_of}/letters.pdf"


class DocumentStore:
    def __init__(self, bucket: str, client: Any | None = None) -> None:
        self.bucket = bucket
        self.client = client or boto3.client("s3")
        self.requests = 0

    def put(self, key: str, body: bytes, content_type: str) -> str:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
        self.requests += 1
        return key

    def get(self, key: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            return None
        body: bytes = answer["Body"].read()
        return body

    def presign(self, key: str, seconds: int, filename: str) -> str:
        """A link that reads this one object for `seconds`, without credentials: the
        browser downloads the document straight from S3 (no Lambda answer size limit)."""
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f'inline; filename="{filename}"',
            },
            ExpiresIn=seconds,
        )  # signed locally: no request to S3
        return url
