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
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from constructs import Construct

from relance.store import names
from relance_infra.constructs.lambdas import grant_table, rule_function
from relance_infra.constructs.layers import Layers

TIMEOUT = cdk.Duration.minutes(15)  # Lambda's maximum: a weekly batch over every tenant
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
        wired = rule_function(
            self,
            "Retention",
            schedule=SCHEDULE,
            rule_description="Weekly: erase the contacts due under the retention period (B7)",
            alarm_description="A retention run failed after its retries: read the message, "
            "fix the cause, invoke the function again (it only erases what is due).",
            functions_dir=functions_dir,
            folder="retention",
            service="retention",
            layers=layers,
            description="Weekly retention run: erase contacts of customers inactive 3 years",
            memory_mb=512,
            timeout=TIMEOUT,
            environment={names.TABLE_ENV: table.table_name},
        )
        self.function, self.dead_letters, self.rule = wired.function, wired.dead_letters, wired.rule
        grant_table(
            self.function,
            table,
            TABLE_ACTIONS,
            indexes_because="Queries on the table's customer index (a customer's contacts and "
            "details); the grant covers this table's indexes only.",
        )
