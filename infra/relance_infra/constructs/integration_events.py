"""Events for integrators (B8): one integration event bus, with an archive, that the
emitting functions put on (relance/store/integration_events.py, docs/events.md).

One bus for every tenant; each event's detail carries its tenant, and each integrator's
subscription is a rule on this bus matching its tenant (and the detail-types it wants),
targeting its own bus, API destination or queue (docs/decisions: not one bus per tenant).
The archive keeps every event for replay to a subscriber that missed some. A function
that emits gets PutEvents on this bus only, the bus's name in its environment, and an
alarm on its IntegrationEventsFailed metric (events dropped after the retries).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from relance.store.integration_events import EVENT_BUS_ENV
from relance_infra.constructs.lambdas import METRICS_NAMESPACE

BUS_NAME = "relance-integration"
SOURCE = "relance"
# Long enough for an integrator to notice an outage and ask for a replay.
ARCHIVE_RETENTION = cdk.Duration.days(90)


class IntegrationEvents(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(
            self,
            "IntegrationBus",
            event_bus_name=BUS_NAME,
            description="Relance's events for integrators (docs/events.md)",
        )
        self.archive = self.bus.archive(
            "IntegrationArchive",
            archive_name=f"{BUS_NAME}-archive",
            description="Every Relance integration event, for replays",
            event_pattern=events.EventPattern(source=[SOURCE]),
            retention=ARCHIVE_RETENTION,
        )

    def grant_emit(self, function: lambda_.Function, service: str) -> None:
        """PutEvents on the bus, its name in the environment, and an alarm when the
        function (POWERTOOLS_SERVICE_NAME `service`) drops events."""
        self.bus.grant_put_events_to(function)
        function.add_environment(EVENT_BUS_ENV, self.bus.event_bus_name)
        cloudwatch.Alarm(
            self,
            f"{function.node.id}EventsFailedAlarm",
            alarm_description=f"{service} dropped integration events after retries: "
            "integrators missed them; replay them from the archive once the cause is fixed.",
            metric=cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name="IntegrationEventsFailed",
                dimensions_map={"service": service},
                statistic=cloudwatch.Stats.SUM,
                period=cdk.Duration.minutes(5),
            ),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
