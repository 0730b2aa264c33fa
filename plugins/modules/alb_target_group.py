#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alb_target_group
version_added: 0.1.0
short_description: Ensure an Application Load Balancer target group with its health check, deregistration delay and tags
description:
  - Creates, updates or deletes one Elastic Load Balancing (v2) target group for an Application Load
    Balancer - its protocol, port, VPC and target type, its health check, its deregistration delay and
    its tags.
  - Replaces C(community.aws.elb_target_group), which does not support check mode - Ansible skips its
    task under C(--check) (measured - C(skipped=true), "does not support check mode"), so a plan cannot
    show what it would change.
  - Fields AWS cannot change on an existing target group (O(protocol), O(port), O(vpc_id),
    O(target_type)) are compared too; when one differs the module fails and names the field, since the
    target group would have to be replaced. It never replaces a target group itself.
  - Health-check fields are updated with one C(modify_target_group) holding only what differs, the
    deregistration delay with C(modify_target_group_attributes).
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same
    C(changed) and C(diff) that the real run would.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  name:
    description:
      - The name of the target group (at most 32 characters).
    required: true
    type: str
  state:
    description:
      - Whether the target group should exist.
      - Deleting a target group that a listener or rule still forwards to fails; the message names the
        load balancers that use it.
    choices: ["present", "absent"]
    default: present
    type: str
  protocol:
    description:
      - The protocol the load balancer uses to reach the targets. Required to create a target group
        whose O(target_type) is not C(lambda). Cannot be changed.
    choices: ["HTTP", "HTTPS"]
    type: str
  port:
    description:
      - The port the targets receive traffic on. Required to create a target group whose
        O(target_type) is not C(lambda). Cannot be changed.
    type: int
  vpc_id:
    description:
      - The VPC of the targets. Required to create a target group whose O(target_type) is not
        C(lambda). Cannot be changed.
    type: str
  target_type:
    description:
      - The type of the targets. Cannot be changed.
    choices: ["ip", "instance", "lambda", "alb"]
    default: ip
    type: str
  health_check:
    description:
      - The health check. Fields not given are left as they are (on creation, AWS's defaults apply).
    type: dict
    suboptions:
      path:
        description: The path requested by the health check.
        type: str
      protocol:
        description: The protocol of the health check.
        choices: ["HTTP", "HTTPS"]
        type: str
      port:
        description: The port of the health check, or C(traffic-port) for the target's own port.
        type: str
        default: traffic-port
      interval_seconds:
        description: Seconds between health checks of one target.
        type: int
      timeout_seconds:
        description: Seconds without a response after which a health check fails.
        type: int
      healthy_threshold_count:
        description: Consecutive successes before an unhealthy target is healthy.
        type: int
      unhealthy_threshold_count:
        description: Consecutive failures before a healthy target is unhealthy.
        type: int
      matcher:
        description: The HTTP codes of a healthy response, for example C(200) or C(200-299).
        type: str
  deregistration_delay:
    description:
      - Seconds the load balancer waits before it deregisters a draining target (the target group
        attribute C(deregistration_delay.timeout_seconds)). Left alone when not set.
    type: int
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the service's target group
  nestjs_playground.infra.alb_target_group:
    name: nestjs-playground-dev
    protocol: HTTP
    port: 3000
    vpc_id: "{{ network.vpc_id }}"
    target_type: ip
    health_check:
      path: /health
      interval_seconds: 30
      timeout_seconds: 5
      healthy_threshold_count: 2
      unhealthy_threshold_count: 3
      matcher: "200"
    deregistration_delay: 30
    tags:
      App: nestjs-playground
      Env: dev
  register: target_group

- name: Delete the target group (after the listeners that use it)
  nestjs_playground.infra.alb_target_group:
    name: nestjs-playground-dev
    state: absent
"""

RETURN = r"""
target_group:
  description:
    - The target group as it is after the run (in check mode, as it would be). Empty when O(state=absent).
    - On creation in check mode, only the fields that were asked for.
  returned: always
  type: dict
  contains:
    target_group_arn:
      description: The ARN of the target group; absent in check mode before it exists.
      type: str
      sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nestjs-playground-dev/73e2d6bc24d8a067
    target_group_name:
      description: The name of the target group.
      type: str
    protocol:
      description: The protocol to the targets.
      type: str
    port:
      description: The port of the targets.
      type: int
    vpc_id:
      description: The VPC of the targets.
      type: str
    target_type:
      description: The type of the targets.
      type: str
    health_check_path:
      description: The health-check path.
      type: str
      sample: /health
    health_check_protocol:
      description: The health-check protocol.
      type: str
    health_check_port:
      description: The health-check port.
      type: str
      sample: traffic-port
    health_check_interval_seconds:
      description: Seconds between health checks.
      type: int
    health_check_timeout_seconds:
      description: The health-check timeout.
      type: int
    healthy_threshold_count:
      description: Successes before healthy.
      type: int
    unhealthy_threshold_count:
      description: Failures before unhealthy.
      type: int
    matcher:
      description: The healthy response codes.
      type: dict
      sample: {"http_code": "200"}
    deregistration_delay:
      description: The deregistration delay in seconds.
      type: int
    load_balancer_arns:
      description: The load balancers that route to the target group.
      type: list
      elements: str
    tags:
      description: The target group's tags.
      type: dict
"""

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import MISSING
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import returned
from ansible_collections.nestjs_playground.infra.plugins.module_utils.load_balancing import NamedElbv2Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.load_balancing import unique
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import owned_changes

# Fields fixed at creation: a difference means the target group must be replaced.
IMMUTABLE = ("protocol", "port", "vpc_id", "target_type")
# health_check suboption -> (our field, the AWS key in describe/create/modify_target_group).
HEALTH_CHECK = {
    "path": ("health_check_path", "HealthCheckPath"),
    "protocol": ("health_check_protocol", "HealthCheckProtocol"),
    "port": ("health_check_port", "HealthCheckPort"),
    "interval_seconds": ("health_check_interval_seconds", "HealthCheckIntervalSeconds"),
    "timeout_seconds": ("health_check_timeout_seconds", "HealthCheckTimeoutSeconds"),
    "healthy_threshold_count": ("healthy_threshold_count", "HealthyThresholdCount"),
    "unhealthy_threshold_count": ("unhealthy_threshold_count", "UnhealthyThresholdCount"),
    "matcher": ("matcher", "Matcher"),
}
HEALTH_FIELDS = tuple(field for field, _key in HEALTH_CHECK.values())
DEREGISTRATION_DELAY = "deregistration_delay.timeout_seconds"
# The fields this module owns, as compared and shown in the diff (tags apart).
OWNED = IMMUTABLE + HEALTH_FIELDS + ("deregistration_delay",)


def desired_state(params):
    """The owned fields as asked; None means 'leave alone'."""
    desired = {field: params.get(field) for field in IMMUTABLE}
    health = params.get("health_check") or {}
    for option, (field, _key) in HEALTH_CHECK.items():
        desired[field] = health.get(option)
    if desired["matcher"] is not None:
        desired["matcher"] = {"http_code": desired["matcher"]}
    desired["deregistration_delay"] = params.get("deregistration_delay")
    return desired


def current_state(group, attributes, tags):
    """A target group as ``describe_target_groups`` returns it, with its attributes and tags."""
    state = {
        "target_group_arn": group["TargetGroupArn"],
        "target_group_name": group["TargetGroupName"],
        "protocol": group.get("Protocol", MISSING),
        "port": group.get("Port", MISSING),
        "vpc_id": group.get("VpcId", MISSING),
        "target_type": group.get("TargetType", MISSING),
        "load_balancer_arns": unique(group.get("LoadBalancerArns")),
        "tags": tags,
    }
    for field, key in HEALTH_CHECK.values():
        state[field] = group.get(key, MISSING)
    if isinstance(state["matcher"], dict):
        state["matcher"] = {"http_code": state["matcher"].get("HttpCode")}
    delay = attributes.get(DEREGISTRATION_DELAY)
    state["deregistration_delay"] = int(delay) if delay is not None else MISSING
    return state


def owned(state):
    return returned(state, OWNED)


def plan(desired, current, desired_tags, purge_tags):
    """What must be done to go from ``current`` (None: absent) to ``desired``.

    Returns ``create``, ``changed``, ``replace`` (immutable fields that differ: the run must fail),
    ``health_check`` (health-check fields to modify), ``attributes`` (target group attributes to set,
    AWS keys), ``tags_to_set`` / ``tags_to_remove`` and ``before`` / ``after``. Pure: no AWS call.
    """
    before = None if current is None else dict(owned(current), tags=current.get("tags") or {})
    fields, to_set, to_remove, after = owned_changes(desired, before, desired_tags, purge_tags)
    attributes = {}
    if "deregistration_delay" in fields:
        attributes[DEREGISTRATION_DELAY] = desired["deregistration_delay"]
    create = current is None
    return {
        "create": create,
        "changed": create or bool(fields or to_set or to_remove),
        "replace": [] if create else [field for field in fields if field in IMMUTABLE],
        "health_check": [] if create else [field for field in fields if field in HEALTH_FIELDS],
        "attributes": attributes,
        "tags_to_set": to_set,
        "tags_to_remove": to_remove,
        "before": before or {},
        "after": after,
    }


def creation_problems(desired):
    """What a new target group lacks, as one message (None when nothing)."""
    if desired["target_type"] == "lambda":
        return None
    missing = [field for field in ("protocol", "port", "vpc_id") if desired[field] is None]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        return f"{', '.join(missing)} {verb} required to create a target group of type {desired['target_type']}"
    return None


def replacement_message(name, fields, before, desired):
    changes = ", ".join(f"{field} ({before.get(field)!r} -> {desired[field]!r})" for field in fields)
    return (
        f"Target group {name} must be replaced to change {changes}: AWS cannot change "
        f"{'this field' if len(fields) == 1 else 'these fields'} on an existing target group. Remove it from "
        "its listeners and delete it (state: absent), or give the new one another name."
    )


def health_check_request(after, fields):
    """``modify_target_group`` / ``create_target_group`` arguments for the health-check ``fields``."""
    keys = dict(HEALTH_CHECK.values())
    request = {}
    for field in fields:
        value = after[field]
        request[keys[field]] = {"HttpCode": value["http_code"]} if field == "matcher" else value
    return request


def in_use_message(name, current):
    users = ", ".join(current.get("load_balancer_arns") or []) or "a load balancer"
    return (
        f"Target group {name} is still used by a listener or rule of {users}; "
        "delete or repoint those listeners and rules first, then delete the target group"
    )


class TargetGroup(NamedElbv2Resource):
    """The target group ``name``, with its health check, deregistration delay and tags."""

    kind = "target group"
    elbv2_kind = "target_group"
    owned_keys = OWNED
    identity = ("target_group_arn", "load_balancer_arns")
    current_state = staticmethod(current_state)

    def plan(self, current):
        desired = desired_state(self.params)
        decision = plan(desired, current, self.params["tags"], self.params["purge_tags"])
        if decision["replace"]:
            decision["problem"] = replacement_message(self.name, decision["replace"], decision["before"], desired)
        elif decision["create"]:
            decision["problem"] = creation_problems(desired)
        return decision

    def apply(self, decision, current):
        after = decision["after"]
        if decision["create"]:
            request = {"Name": self.name, "TargetType": after["target_type"]}
            for field, key in (("protocol", "Protocol"), ("port", "Port"), ("vpc_id", "VpcId")):
                if after.get(field) is not None:
                    request[key] = after[field]
            request.update(health_check_request(after, [field for field in HEALTH_FIELDS if field in after]))
            request.update(self.tags.create_argument(after["tags"]))
            group = self.aws.call(f"create {self.what}", "create_target_group", **request)["TargetGroups"][0]
            state = {"target_group_arn": group["TargetGroupArn"], "load_balancer_arns": []}
            if after.get("deregistration_delay") is not None:
                self.set_attributes(state["target_group_arn"], {DEREGISTRATION_DELAY: after["deregistration_delay"]})
            return state
        arn = current["target_group_arn"]
        if decision["health_check"]:
            self.aws.call(f"modify the health check of target group {arn}", "modify_target_group", TargetGroupArn=arn,
                          **health_check_request(after, decision["health_check"]))
        if decision["attributes"]:
            self.set_attributes(arn, decision["attributes"])
        self.retag(arn, decision)
        return current

    def deletion_problem(self, current):
        if self.module.check_mode and current["load_balancer_arns"]:
            # An earlier task of the same run may remove the listeners; the real run fails if it did not.
            self.module.warn(in_use_message(self.name, current))
        return None

    def delete(self, current):
        self.aws.call(f"delete {self.what}", "delete_target_group", missing=None, TargetGroupArn=current["target_group_arn"],
                      refusals={"ResourceInUse": in_use_message(self.name, current)})


def main():
    run_module(TargetGroup, "target_group", resource_argument_spec(
        protocol=dict(type="str", choices=["HTTP", "HTTPS"]),
        port=dict(type="int"),
        vpc_id=dict(type="str"),
        target_type=dict(type="str", default="ip", choices=["ip", "instance", "lambda", "alb"]),
        health_check=dict(
            type="dict",
            options=dict(
                path=dict(type="str"),
                protocol=dict(type="str", choices=["HTTP", "HTTPS"]),
                port=dict(type="str", default="traffic-port"),
                interval_seconds=dict(type="int"),
                timeout_seconds=dict(type="int"),
                healthy_threshold_count=dict(type="int"),
                unhealthy_threshold_count=dict(type="int"),
                matcher=dict(type="str"),
            ),
        ),
        deregistration_delay=dict(type="int"),
    ))


if __name__ == "__main__":
    main()
