"""The retention run (B7): a weekly EventBridge rule -> RetentionFunction, which erases the
contacts of customers with nothing open and no activity for the retention period, in every
tenant, leaving an erasure record for each (services/personal_data.py).

Failures are retried twice at each hop and then kept in a dead-letter queue with an alarm:
a missed week is seen, and the next week's run catches up (the rule is a date test, not a
diff). The function lists tenants with a projected Scan of the table (connector items):
that is why it may Scan.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from relance.store import names
from relance_infra.constructs import acknowledge, arn_token
from relance_infra.constructs.lambdas import python_function
from relance_infra.constructs.layers import Layers

TIMEOUT = cdk.Duration.minutes(15)  # Lambda's maximum: a weekly batch over every tenant
RETRY_ATTEMPTS = 2
DLQ_RETENTION = cdk.Duration.days(14)
# Sunday 02:30 UTC: outside French office hours and away from the nightly dunning runs.
SCHEDULE = events.Schedule.cron(week_day="SUN", hour="2", minute="30")
# Reads: tenants (Scan), companies, records and the customer index (Query), details
# (GetItem); writes: scrubbed fields (UpdateItem), the erasure list and records, the
# summaries (PutItem, BatchWriteItem), suppressions (DeleteItem).
TABLE_ACTIONS = (
    "dynamodb:Scan",
    "dynamodb:Query",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
)


class Retention(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions_dir: Path,
        layers: Layers,
        table: dynamodb.ITable,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letters = sqs.Queue(
            self,
            "RetentionDeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
        )
        self.function = python_function(
            self,
            "RetentionFunction",
            functions_dir=functions_dir,
            folder="retention",
            service="retention",
            layers=layers,
            description="Weekly retention run: erase contacts of customers inactive 3 years",
            memory_mb=512,
            timeout=TIMEOUT,
            environment={names.TABLE_ENV: table.table_name},
            dead_letter_queue=self.dead_letters,
        )
        self.function.configure_async_invoke(retry_attempts=RETRY_ATTEMPTS)
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=list(TABLE_ACTIONS),
                resources=[table.table_arn, f"{table.table_arn}/index/*"],
            )
        )
        policy = (
            self.function.role.node.try_find_child("DefaultPolicy") if self.function.role else None
        )
        acknowledge(
            policy or self.function,
            f"AwsSolutions-IAM5[Resource::{arn_token(table)}/index/*]",
            "Queries on the table's customer index (a customer's contacts and details); the "
            "grant covers this table's indexes only.",
        )
        self.rule = events.Rule(
            self,
            "RetentionSchedule",
            description="Weekly: erase the contacts due under the retention period (B7)",
            schedule=SCHEDULE,
        )
        self.rule.add_target(
            targets.LambdaFunction(
                self.function,
                event=events.RuleTargetInput.from_object({}),
                dead_letter_queue=self.dead_letters,
                retry_attempts=RETRY_ATTEMPTS,
            )
        )
        cloudwatch.Alarm(
            self,
            "RetentionDeadLettersAlarm",
            alarm_description="A retention run failed after its retries: read the message, "
            "fix the cause, invoke the function again (it only erases what is due).",
            metric=self.dead_letters.metric_approximate_number_of_messages_visible(
                period=cdk.Duration.minutes(5), statistic=cloudwatch.Stats.MAXIMUM
            ),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
