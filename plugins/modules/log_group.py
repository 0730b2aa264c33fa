#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: log_group
version_added: 0.1.0
short_description: Ensure an Amazon CloudWatch Logs log group with its retention and tags
description:
  - Creates, updates or deletes one CloudWatch Logs log group, with its retention period and its tags.
  - Replaces C(amazon.aws.cloudwatchlogs_log_group) (10.1.2), which writes in check mode - a changed
    retention is put (C(PutRetentionPolicy)) by C(--check) itself, so the check run reports a change
    the real run then does not make (measured through the recording proxy of the tests) - which
    deletes the log group when given a retention that AWS does not offer, returns no diff, and does
    not retry on throttling.
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same
    C(changed) and C(diff) that the real run would.
  - When another run creates the log group between this run's look-up and its creation (two converges
    at once), the module converges that log group instead of failing.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  name:
    description:
      - The name of the log group.
    required: true
    type: str
    aliases: ["log_group_name"]
  state:
    description:
      - Whether the log group should exist. Deleting it deletes every log event it holds.
    choices: ["present", "absent"]
    default: present
    type: str
  retention:
    description:
      - How many days log events are kept, one of the periods CloudWatch Logs offers.
      - When not set, an existing log group keeps its retention and a new one keeps events forever.
    type: int
    choices: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the application's log group, kept a week
  nestjs_playground.infra.log_group:
    name: /ecs/nestjs-playground-dev
    retention: 7
    tags:
      App: nestjs-playground
      Env: dev

- name: Delete a log group and its events
  nestjs_playground.infra.log_group:
    name: /ecs/nestjs-playground-scheduler-dev
    state: absent
"""

RETURN = r"""
log_group:
  description:
    - The log group as it is after the run (in check mode, as it would be).
    - Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    log_group_name:
      description: The name of the log group.
      type: str
      sample: /ecs/nestjs-playground-dev
    arn:
      description: The ARN of the log group (without the trailing C(:*)); absent in check mode before it exists.
      type: str
      sample: arn:aws:logs:us-east-1:123456789012:log-group:/ecs/nestjs-playground-dev
    retention_in_days:
      description: The retention period in days; null when events are kept forever.
      type: int
      sample: 7
    tags:
      description: The log group's tags.
      type: dict
"""

from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_log_group
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import CHANGED_MEANWHILE
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_plan

RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]


def plan(retention, current, desired_tags, purge_tags):
    """What must be done to go from ``current`` (None: absent) to the asked retention and tags.

    ``retention`` None leaves the retention alone (a new group then keeps events forever); ``desired_tags``
    None leaves the tags alone. Returns ``create``, ``put_retention``, ``tags_to_set``, ``tags_to_remove``,
    ``before`` and ``after`` (the owned fields) and ``changed``. Pure: no AWS call.
    """
    before = None
    if current is not None:
        before = {"retention_in_days": current.get("retention_in_days"), "tags": current.get("tags", {})}
    to_set, to_remove, tags = tag_plan((before or {}).get("tags", {}), desired_tags, purge_tags, exists=before is not None)
    after = {"retention_in_days": retention if retention is not None else (before or {}).get("retention_in_days"), "tags": tags}
    put_retention = retention is not None and (before is None or before["retention_in_days"] != retention)
    return {
        "create": before is None,
        "put_retention": put_retention,
        "tags_to_set": to_set,
        "tags_to_remove": to_remove,
        "before": before or {},
        "after": after,
        "changed": before is None or put_retention or bool(to_set or to_remove),
    }


class LogGroup(Resource):
    """The log group ``name``, in CloudWatch Logs."""

    service = "logs"
    kind = "log group"

    def describe(self):
        group = find_log_group(self.aws, self.name, f"describe {self.what}")
        if group is None:
            return None
        # Tagging takes the log group's ARN without the ":*" that "arn" carries.
        arn = group.get("logGroupArn") or group["arn"].rsplit(":*", 1)[0]
        return {"log_group_name": self.name, "arn": arn, "retention_in_days": group.get("retentionInDays"),
                "tags": self.tags.read(arn, self.what)}

    def plan(self, current):
        return plan(self.params["retention"], current, self.params["tags"], self.params["purge_tags"])

    def apply(self, decision, current):
        if decision["create"]:
            request = {"logGroupName": self.name}
            if decision["after"]["tags"]:
                request["tags"] = decision["after"]["tags"]
            # Created meanwhile by another run (two converges at once): converge it like any existing one.
            if self.aws.call(f"create {self.what}", "create_log_group", exists=None, **request) is None:
                return CHANGED_MEANWHILE
        if decision["put_retention"]:
            self.aws.call(f"set the retention of {self.what}", "put_retention_policy",
                          logGroupName=self.name, retentionInDays=decision["after"]["retention_in_days"])
        if current is not None:
            self.retag(current["arn"], decision)
        return current if current is not None else self.describe()

    def delete(self, current):
        self.aws.call(f"delete {self.what}", "delete_log_group", missing=None, logGroupName=self.name)

    def result(self, decision, state):
        result = {"log_group_name": self.name}
        if state is not None:
            result["arn"] = state["arn"]
        result.update(decision["after"])
        return result


def main():
    run_module(LogGroup, "log_group", resource_argument_spec(
        name=dict(type="str", required=True, aliases=["log_group_name"]),
        retention=dict(type="int", choices=RETENTION_DAYS),
    ))


if __name__ == "__main__":
    main()
