"""EventBridge Scheduler: each tenant's nightly dunning run. The only place `scheduler` is
called.

One schedule per tenant, `relance-nightly-{tenant}` in the group the environment names
(`relance-nightly` in AWS: infra/relance_infra/constructs/nightly.py), firing every
day at the tenant's hour in its own time zone (`ScheduleExpressionTimezone`: 21:00 in
Paris stays 21:00 across daylight saving) and invoking the nightly plan function with
{"tenant_id": tenant}. `apply` brings it to the wanted state whether or not it exists
yet, so it may be called any number of times.

The target, the role the scheduler assumes to invoke it and the group come from the
environment (the CDK app sets them; the API function may create and update schedules of
that group only); where the target or role is not set, as in the local runner, there is
no schedule to keep (`NightlySchedules.from_env()` is None).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

NIGHTLY_PLAN_ARN_ENV = "RELANCE_NIGHTLY_PLAN_ARN"
SCHEDULER_ROLE_ARN_ENV = "RELANCE_SCHEDULER_ROLE_ARN"
SCHEDULE_GROUP_ENV = "RELANCE_SCHEDULE_GROUP"
DEFAULT_GROUP = "default"
NAME_PREFIX = "relance-nightly-"

# Every scheduler action this module calls: the API function is granted these (and more)
# on the schedules of its group, and iam:PassRole on the scheduler's role
# (infra/relance_infra/constructs/nightly.py).
IAM_ACTIONS = ("scheduler:CreateSchedule", "scheduler:UpdateSchedule")


class ScheduleError(Exception):
    """The scheduler refused or did not answer; the schedule may be as it was before."""


def schedule_name(tenant: str) -> str:
    return f"{NAME_PREFIX}{tenant}"


@dataclass(frozen=True)
class NightlySchedules:
    target_arn: str
    role_arn: str
    group: str
    client: Any

    @classmethod
    def from_env(cls) -> NightlySchedules | None:
        target, role = os.environ.get(NIGHTLY_PLAN_ARN_ENV), os.environ.get(SCHEDULER_ROLE_ARN_ENV)
        if not target or not role:
            return None
        group = os.environ.get(SCHEDULE_GROUP_ENV) or DEFAULT_GROUP
        return cls(target, role, group, _client())

    def apply(self, tenant: str, hour: int, time_zone: str, enabled: bool) -> None:
        """Create or update the tenant's schedule; ScheduleError if the scheduler fails."""
        request = {
            "Name": schedule_name(tenant),
            "GroupName": self.group,
            "ScheduleExpression": f"cron(0 {hour} * * ? *)",
            "ScheduleExpressionTimezone": time_zone,
            "State": "ENABLED" if enabled else "DISABLED",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Description": f"Relance: nightly dunning run of tenant {tenant}",
            "Target": {
                "Arn": self.target_arn,
                "RoleArn": self.role_arn,
                "Input": json.dumps({"tenant_id": tenant}),
            },
        }
        try:
            try:
                self.client.update_schedule(**request)
            except ClientError as err:
                if err.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise
                try:
                    self.client.create_schedule(**request)
                except ClientError as again:
                    # Created meanwhile by another save: update it to this one's state.
                    if again.response["Error"]["Code"] != "ConflictException":
                        raise
                    self.client.update_schedule(**request)
        except (ClientError, BotoCoreError) as err:
            raise ScheduleError(str(err)) from err


@cache
def _client() -> Any:
    # One client per container; the endpoint comes from the environment (AWS_ENDPOINT_URL
    # for moto in tests), never from code.
    return boto3.client("scheduler", config=Config(retries={"mode": "standard"}))
