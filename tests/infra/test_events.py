"""The integration event bus (B8) as deployed: one bus with an archive, PutEvents for the
functions whose writes make events (on this bus only), its name in their environment, an
alarm on each one's dropped events; cdk-nag clean."""

from __future__ import annotations

from typing import Any

import pytest

from relance.store.integration_events import EVENT_BUS_ENV
from tests.infra.test_stack import Synth, synth  # noqa: F401 - the module's synthesis

pytestmark = pytest.mark.infra


def emitters(s: Synth) -> dict[str, Any]:
    return {
        "relance-api": s.stack.api.api_function,
        "relance-ingest": s.stack.api.ingest_function,
        "relance-dispatch": s.stack.dispatch.function,
        "relance-portal": s.stack.portal.function,
    }


def test_one_bus_archives_every_relance_event(synth: Synth) -> None:  # noqa: F811
    bus = synth.stack.integration_events.bus
    assert synth.props(bus)["Name"] == "relance-integration"
    (archive,) = synth.of_type("AWS::Events::Archive").values()
    props = archive["Properties"]
    assert props["SourceArn"] == {"Fn::GetAtt": [synth.logical_id(bus), "Arn"]}
    assert props["EventPattern"] == {"source": ["relance"]}
    assert props["RetentionDays"] == 90
    assert synth.nag_findings == []


def test_the_emitting_functions_put_on_that_bus_only(synth: Synth) -> None:  # noqa: F811
    bus_id = synth.logical_id(synth.stack.integration_events.bus)
    for function in emitters(synth).values():
        env = synth.props(function)["Environment"]["Variables"]
        assert env[EVENT_BUS_ENV] == {"Ref": bus_id}
        puts = [s for s in synth.policy_statements(function) if "events:PutEvents" in
                str(s["Action"])]  # fmt: skip
        assert [s["Resource"] for s in puts] == [{"Fn::GetAtt": [bus_id, "Arn"]}]
    # A function that announces nothing may not put events.
    nightly = synth.stack.retention.function
    assert EVENT_BUS_ENV not in synth.props(nightly)["Environment"]["Variables"]
    assert not [s for s in synth.policy_statements(nightly) if "events:" in str(s["Action"])]


def test_dropped_events_raise_an_alarm_per_function(synth: Synth) -> None:  # noqa: F811
    alarms = [
        a["Properties"]
        for a in synth.of_type("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "IntegrationEventsFailed"
    ]
    services = sorted(a["Dimensions"][0]["Value"] for a in alarms)
    assert services == sorted(emitters(synth))
    assert {(a["Namespace"], a["Threshold"], a["Statistic"]) for a in alarms} == {
        ("Relance", 1, "Sum")
    }
