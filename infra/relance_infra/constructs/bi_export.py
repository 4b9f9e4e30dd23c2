"""The daily BI export (K6): the exports bucket, BiExportFunction with its own deps layer
(pyarrow: relance_infra/bi_layer.py), and one daily EventBridge rule.

One rule for every tenant, not a schedule per tenant like the nightly run: the export has
no per-tenant hour to honour (the day is over for everyone at the same time in Paris), and
a tenant's export takes seconds (bench/results/bi_export.json), so one invocation goes
through the tenants in turn; a tenant that fails stops no other, and the invocation then
fails, is retried twice (a retry only replaces days) and lands in a dead-letter queue with
an alarm. The function lists tenants with a projected Scan of connector items, as the
retention run does: that is why it may Scan.

The bucket holds no contact's personal data (domain/bi_datasets.py); it is not versioned,
so a re-run's replaced files are gone, not kept as old versions; files expire after 400
days (a year of history plus a month for year-on-year comparisons).
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from relance.store import names
from relance.store.bi_exports import EXPORTS_BUCKET_ENV
from relance_infra import bi_layer
from relance_infra.constructs import acknowledge, arn_token
from relance_infra.constructs.lambdas import default_policy, grant_table, rule_function
from relance_infra.constructs.layers import ARCHITECTURE, RUNTIME, Layers
from relance_infra.constructs.storage import private_bucket

TIMEOUT = cdk.Duration.minutes(15)  # Lambda's maximum: every tenant in one invocation
MEMORY_MB = 1024  # Parquet encoding is CPU-bound; memory buys CPU
FILE_RETENTION = cdk.Duration.days(400)
# 03:30 UTC (04:30 or 05:30 in Paris): yesterday is over, the nightly runs and their
# dispatch are done, and the files are there before anyone opens a BI report.
SCHEDULE = events.Schedule.cron(hour="3", minute="30")
# Reads only: tenants (Scan), companies, records, packs, users, tasks, promises, the sent
# log (Query), settings (GetItem).
TABLE_ACTIONS = ("dynamodb:Scan", "dynamodb:Query", "dynamodb:GetItem")
# Files and manifests written, read back (the previous manifest), listed, the replaced
# run's files deleted: DeleteObjects needs s3:DeleteObject, ListObjectsV2 s3:ListBucket.
OBJECT_ACTIONS = ("s3:PutObject", "s3:GetObject", "s3:DeleteObject")


class BiExport(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions_dir: Path,
        layers: Layers,
        table: dynamodb.ITable,
        access_logs: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = private_bucket(
            self,
            "Exports",
            access_logs=access_logs,
            logs_prefix="bi-exports/",
            lifecycle_rule=s3.LifecycleRule(
                id="expire-bi-exports",
                expiration=FILE_RETENTION,
                abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
            ),
        )
        self.layer = lambda_.LayerVersion(
            self,
            "BiDeps",
            description="BI export: pyarrow, boto3, Powertools, pydantic (relance_infra/bi_layer)",
            code=lambda_.Code.from_asset(
                str(bi_layer.LAYER_DIR),
                asset_hash=bi_layer.build(),  # idempotent: rebuilt only when its inputs change
                asset_hash_type=cdk.AssetHashType.CUSTOM,
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )
        wired = rule_function(
            self,
            "BiExport",
            schedule=SCHEDULE,
            rule_description="Daily: every tenant's BI datasets of the day that ended (K6)",
            alarm_description="A BI export failed after its retries: read the message and the "
            'logs, fix the cause, invoke the function with {"tenant_id", "date"} again.',
            functions_dir=functions_dir,
            folder="bi_export",
            service="bi-export",
            layers=layers,
            layer_versions=[self.layer, layers.relance],
            description="Daily BI export: every tenant's datasets to S3 (CSV, Parquet, manifest)",
            memory_mb=MEMORY_MB,
            timeout=TIMEOUT,
            environment={
                names.TABLE_ENV: table.table_name,
                EXPORTS_BUCKET_ENV: self.bucket.bucket_name,
            },
        )
        self.function, self.dead_letters, self.rule = wired.function, wired.dead_letters, wired.rule
        self._grant(table)

    def _grant(self, table: dynamodb.ITable) -> None:
        function = self.function
        grant_table(
            function,
            table,
            TABLE_ACTIONS,
            indexes_because="Queries on the table's GSIs (relance.store.schema); the grant "
            "covers this table's indexes only, for reading.",
        )
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=list(OBJECT_ACTIONS), resources=[self.bucket.arn_for_objects("*")]
            )
        )
        function.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn])
        )
        acknowledge(
            default_policy(function),
            f"AwsSolutions-IAM5[Resource::{arn_token(self.bucket)}/*]",
            "Objects of the exports bucket only; every key starts with tenant={id}, set by "
            "the code from the tenant being exported.",
        )
