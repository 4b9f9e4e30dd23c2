"""The daily cash report (K1): an hourly EventBridge rule -> DailyReportFunction, which
sends each recipient its report once its local time passed 07:00 (one claim per user and
local day in the table: a retried or overlapping invocation never sends twice).

Failures go to a dead-letter queue with an alarm; the next hour's run catches up (a user
whose report was not claimed yet gets it then). The tenants with recipients are one Query
of the table's index (store/daily_report.py): no Scan.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from constructs import Construct

from relance.store import names
from relance_infra.constructs import acknowledge
from relance_infra.constructs.lambdas import default_policy, grant_table, rule_function
from relance_infra.constructs.layers import Layers

TIMEOUT = cdk.Duration.minutes(10)
SCHEDULE = events.Schedule.cron(minute="5")  # every hour, at :05
# Reads: tenants (Query on the index), users, settings, summaries, sent log, tasks (Query, GetItem);
# writes: the day's claim (PutItem), given back when SES sent nothing (DeleteItem).
TABLE_ACTIONS = (
    "dynamodb:Query",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
)


class DailyReport(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions_dir: Path,
        layers: Layers,
        table: dynamodb.ITable,
        sender: str,
    ) -> None:
        super().__init__(scope, construct_id)
        wired = rule_function(
            self,
            "DailyReport",
            schedule=SCHEDULE,
            rule_description="Hourly: send the daily cash reports now due (K1)",
            alarm_description="An hourly daily-report run failed after its retries: the "
            "next hour's run sends what was not claimed yet.",
            functions_dir=functions_dir,
            folder="daily_report",
            service="daily-report",
            layers=layers,
            description="Hourly: the daily cash report of each recipient past 07:00 local (K1)",
            memory_mb=512,
            timeout=TIMEOUT,
            environment={names.TABLE_ENV: table.table_name}
            | ({names.DEFAULT_SENDER_ENV: sender} if sender else {}),
        )
        self.function, self.dead_letters, self.rule = wired.function, wired.dead_letters, wired.rule
        grant_table(
            self.function,
            table,
            TABLE_ACTIONS,
            indexes_because="The list of tenants with report recipients is a Query on the "
            "table's index; the grant covers this table's indexes only.",
        )
        stack = cdk.Stack.of(self)
        identities = stack.format_arn(service="ses", resource="identity", resource_name="*")
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail", "ses:SendRawEmail"], resources=[identities]
            )
        )
        # The account's MaxSendRate paces the sending (store/mail.py): no resource to scope.
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["ses:GetAccount"], resources=["*"])
        )
        acknowledge(
            default_policy(self.function),
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:"
            "<AWS::AccountId>:identity/*]",
            "The report goes from the service's verified sender; the grant covers this "
            "account's identities only.",
        )
