"""One construct per concern; the stack wires them together."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding on the narrowest construct it concerns."""
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))


def arn_token(resource: IConstruct) -> str:
    """How cdk-nag spells a resource's ARN in an IAM5 finding: `<LogicalId.Arn>`."""
    default_child = resource.node.default_child
    assert isinstance(default_child, cdk.CfnElement)
    return f"<{cdk.Stack.of(resource).get_logical_id(default_child)}.Arn>"
