"""The single DynamoDB table (from relance.store.schema) and the raw-batch archive bucket."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from relance.store import schema
from relance_infra.constructs import acknowledge

# Raw batches are kept for replay and audit of a sync, not as the system of record.
RAW_BATCH_RETENTION_DAYS = 90
ACCESS_LOG_RETENTION_DAYS = 365

_ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}


def private_bucket(
    scope: Construct,
    construct_id: str,
    *,
    access_logs: s3.IBucket,
    logs_prefix: str,
    lifecycle_rule: s3.LifecycleRule,
    versioned: bool = False,
    object_ownership: s3.ObjectOwnership = s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
) -> s3.Bucket:
    """A bucket nothing outside reaches: public access blocked, SSE-S3, TLS only, ACLs off
    (unless `object_ownership` lets a writer use them), access logged under `logs_prefix`
    of `access_logs`, and kept when the stack is deleted."""
    return s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        object_ownership=object_ownership,
        versioned=versioned,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=logs_prefix,
        lifecycle_rules=[lifecycle_rule],
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )


def _key(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=_ATTRIBUTE_TYPES[schema.KEY_ATTRIBUTES[name]])


class Storage(Construct):
    """Table + raw-batch bucket + the bucket that receives the raw bucket's access logs."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.table = self._table()
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,  # log delivery supports SSE-S3 only
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=cdk.Duration.days(ACCESS_LOG_RETENTION_DAYS),
                )
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.access_logs,
            "AwsSolutions-S1",
            "This is the access-log bucket itself: logging it to itself would loop.",
        )
        self.raw_bucket = private_bucket(
            self,
            "RawBatches",
            access_logs=self.access_logs,
            logs_prefix="raw-batches/",
            versioned=True,
            lifecycle_rule=s3.LifecycleRule(
                id="expire-raw-batches",
                expiration=cdk.Duration.days(RAW_BATCH_RETENTION_DAYS),
                # Versioning keeps overwritten batches; don't keep them forever either.
                noncurrent_version_expiration=cdk.Duration.days(30),
                abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
            ),
        )

    def _table(self) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            schema.TABLE_LOGICAL_NAME,
            partition_key=_key(schema.PARTITION_KEY),
            sort_key=_key(schema.SORT_KEY),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=schema.TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            deletion_protection=True,
            # Every tenant's receivables live here: never deleted with the stack.
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        for gsi in schema.GLOBAL_SECONDARY_INDEXES:
            table.add_global_secondary_index(
                index_name=gsi["name"],
                partition_key=_key(gsi["partition_key"]),
                sort_key=_key(gsi["sort_key"]),
                projection_type=dynamodb.ProjectionType[gsi["projection"]],
            )
        return table
