"""The one DynamoDB table, defined once: the CDK app and the local stand-ins both read this.

Key design and access patterns are in store/keys.py.
"""

from __future__ import annotations

from typing import Any

TABLE_LOGICAL_NAME = "Relance"
PARTITION_KEY = "PK"
SORT_KEY = "SK"
TTL_ATTRIBUTE = "expires_at"
GSI1 = "GSI1"
GSI1_PK = "GSI1PK"
GSI1_SK = "GSI1SK"

# Attribute name -> DynamoDB scalar type ("S" string).
KEY_ATTRIBUTES: dict[str, str] = {
    PARTITION_KEY: "S",
    SORT_KEY: "S",
    GSI1_PK: "S",
    GSI1_SK: "S",
}

GLOBAL_SECONDARY_INDEXES: list[dict[str, Any]] = [
    {"name": GSI1, "partition_key": GSI1_PK, "sort_key": GSI1_SK, "projection": "ALL"},
]


def create_table_request(table_name: str) -> dict[str, Any]:
    """The boto3 CreateTable request for the local stand-in (on-demand billing, as in AWS)."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind} for name, kind in KEY_ATTRIBUTES.items()
        ],
        "KeySchema": [
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": gsi["name"],
                "KeySchema": [
                    {"AttributeName": gsi["partition_key"], "KeyType": "HASH"},
                    {"AttributeName": gsi["sort_key"], "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": gsi["projection"]},
            }
            for gsi in GLOBAL_SECONDARY_INDEXES
        ],
    }
