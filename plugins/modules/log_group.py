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

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import make_diff
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_changes
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tags_after
from ansible_collections.nestjs_playground.infra.plugins.module_utils.throttling import jittered_backoff

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
    current_tags = (before or {}).get("tags", {})
    after = {
        "retention_in_days": retention if retention is not None else (before or {}).get("retention_in_days"),
        "tags": tags_after(current_tags, desired_tags, purge_tags),
    }
    put_retention = retention is not None and (before is None or before["retention_in_days"] != retention)
    to_set, to_remove = ({}, []) if before is None else tag_changes(current_tags, desired_tags, purge_tags)
    return {
        "create": before is None,
        "put_retention": put_retention,
        "tags_to_set": to_set,
        "tags_to_remove": to_remove,
        "before": before or {},
        "after": after,
        "changed": before is None or put_retention or bool(to_set or to_remove),
    }


class LogGroups:
    """The CloudWatch Logs calls this module makes, each retried with jittered backoff on throttling."""

    def __init__(self, module):
        self.module = module
        self.retry = jittered_backoff()
        self.client = module.client("logs", retry_decorator=self.retry)

    def describe(self, name):
        try:
            groups = paginated_query_with_retries(
                self.client, "describe_log_groups", retry_decorator=self.retry, logGroupNamePrefix=name
            )["logGroups"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg=f"Unable to describe log group {name}")
        found = [group for group in groups if group["logGroupName"] == name]
        if not found:
            return None
        group = found[0]
        # Tagging takes the log group's ARN without the ":*" that "arn" carries.
        arn = group.get("logGroupArn") or group["arn"].rsplit(":*", 1)[0]
        try:
            tags = self.client.list_tags_for_resource(aws_retry=True, resourceArn=arn).get("tags", {})
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg=f"Unable to read the tags of log group {name}")
        return {"log_group_name": name, "arn": arn, "retention_in_days": group.get("retentionInDays"), "tags": tags}

    def create(self, name, tags):
        """Creates the log group; False when another run created it first (it is then updated instead)."""
        request = {"logGroupName": name}
        if tags:
            request["tags"] = tags
        try:
            self.client.create_log_group(aws_retry=True, **request)
        except is_boto3_error_code("ResourceAlreadyExistsException"):
            return False
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Unable to create log group {name}")
        return True

    def put_retention(self, name, days):
        try:
            self.client.put_retention_policy(aws_retry=True, logGroupName=name, retentionInDays=days)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg=f"Unable to set the retention of log group {name}")

    def retag(self, arn, to_set, to_remove):
        try:
            if to_remove:
                self.client.untag_resource(aws_retry=True, resourceArn=arn, tagKeys=to_remove)
            if to_set:
                self.client.tag_resource(aws_retry=True, resourceArn=arn, tags=to_set)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg=f"Unable to update the tags of log group {arn}")

    def delete(self, name):
        try:
            self.client.delete_log_group(aws_retry=True, logGroupName=name)
        except is_boto3_error_code("ResourceNotFoundException"):
            return
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Unable to delete log group {name}")


def ensure_absent(module, groups, name, current):
    if current is None:
        module.exit_json(changed=False, log_group={}, diff=make_diff({}, {}))
    before = {"retention_in_days": current["retention_in_days"], "tags": current["tags"]}
    if not module.check_mode:
        groups.delete(name)
    module.exit_json(changed=True, log_group={}, diff=make_diff(before, {}))


def ensure_present(module, groups, name, current):
    params = module.params
    decision = plan(params["retention"], current, params["tags"], params["purge_tags"])
    if decision["changed"] and not module.check_mode:
        if decision["create"] and not groups.create(name, decision["after"]["tags"]):
            # Created meanwhile by another run: converge it like any existing log group.
            current = groups.describe(name)
            decision = plan(params["retention"], current, params["tags"], params["purge_tags"])
        if decision["put_retention"]:
            groups.put_retention(name, decision["after"]["retention_in_days"])
        if decision["tags_to_set"] or decision["tags_to_remove"]:
            groups.retag(current["arn"], decision["tags_to_set"], decision["tags_to_remove"])
        if current is None:
            current = groups.describe(name)
    result = {"log_group_name": name}
    if current is not None:
        result["arn"] = current["arn"]
    result.update(decision["after"])
    module.exit_json(changed=decision["changed"], log_group=result, diff=make_diff(decision["before"], decision["after"]))


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["log_group_name"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        retention=dict(type="int", choices=RETENTION_DAYS),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    groups = LogGroups(module)
    name = module.params["name"]
    current = groups.describe(name)
    if module.params["state"] == "absent":
        ensure_absent(module, groups, name, current)
    ensure_present(module, groups, name, current)


if __name__ == "__main__":
    main()
