"""The daily report's infra: an hourly rule invoking its function, which may send email
and read the table; cdk-nag has nothing unacknowledged on it (test_stack checks the app)."""

from __future__ import annotations

from typing import Any

from tests.infra.test_stack import synth  # noqa: F401  (the synthesized app, module scope)


def test_an_hourly_rule_invokes_the_report_function_that_may_send_email(synth: Any) -> None:  # noqa: F811
    construct = synth.stack.daily_report
    rule = synth.props(construct.rule)
    assert rule["ScheduleExpression"] == "cron(5 * * * ? *)"
    function_id = synth.logical_id(construct.function)
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    actions = {
        a
        for policy in synth.of_type("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for a in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
        if any(
            r.get("Ref") == synth.logical_id(construct.function.role)
            for r in policy["Properties"]["Roles"]
        )
    }
    assert {"ses:SendEmail", "dynamodb:PutItem", "dynamodb:Query"} <= actions
    assert not [f for f in synth.nag_findings if "DailyReport" in f]
