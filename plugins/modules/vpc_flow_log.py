#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: vpc_flow_log
version_added: 0.1.0
short_description: Ensure the flow log of a VPC into one CloudWatch Logs log group
description:
  - Creates, replaces or deletes the flow log that sends a VPC's (or a subnet's or a network interface's)
    traffic records to one CloudWatch Logs log group through an IAM role, and converges its tags.
  - The flow log is found by its resource and its log group; other flow logs of the same resource (other
    destinations) are not this module's and are left alone.
  - Neither amazon.aws 10.1 nor community.aws 10.0 has a flow log module.
  - AWS cannot modify a flow log. When the traffic type, the role, the aggregation interval or the log format
    differ, the flow log is deleted and created again (records of that moment may be missed); tags alone are
    changed in place. Several flow logs of the resource into the same log group are reduced to one.
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same C(changed) and
    C(diff) that the real run would.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  resource_id:
    description: The VPC (or subnet, or network interface) whose traffic is logged.
    required: true
    type: str
  resource_type:
    description: The kind of O(resource_id).
    choices: ["VPC", "Subnet", "NetworkInterface"]
    default: VPC
    type: str
  log_group_name:
    description: The CloudWatch Logs log group the records go to; it should exist (AWS creates it otherwise, without retention).
    required: true
    type: str
  state:
    description: Whether the flow log should exist.
    choices: ["present", "absent"]
    default: present
    type: str
  deliver_logs_permission_arn:
    description: The ARN of the IAM role the flow logs service assumes to write into the log group. Required with O(state=present).
    type: str
  traffic_type:
    description: Which traffic is logged.
    choices: ["ALL", "ACCEPT", "REJECT"]
    default: ALL
    type: str
  max_aggregation_interval:
    description: The longest time, in seconds, during which a flow of packets is captured into one record.
    choices: [60, 600]
    default: 600
    type: int
  log_format:
    description:
      - The fields of a record, as C(${field} ${field} ...). When not given, AWS's default format at creation,
        and an existing flow log's format is not compared.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the VPC's flow logs go to the environment's log group
  nestjs_playground.infra.vpc_flow_log:
    resource_id: vpc-0123456789abcdef0
    log_group_name: /vpc/nestjs-playground-prd/flow-logs
    deliver_logs_permission_arn: arn:aws:iam::123456789012:role/nestjs-playground-prd-flow-logs
    traffic_type: ALL
    tags:
      App: nestjs-playground

- name: Ensure the VPC's traffic is no longer logged there
  nestjs_playground.infra.vpc_flow_log:
    resource_id: vpc-0123456789abcdef0
    log_group_name: /vpc/nestjs-playground-prd/flow-logs
    state: absent
"""

RETURN = r"""
flow_log:
  description: The flow log as it is after the run (in check mode, as it would be). Empty when absent.
  returned: always
  type: dict
  contains:
    flow_log_id:
      description: The flow log's id; absent in check mode before it exists.
      type: str
    resource_id:
      description: The logged resource.
      type: str
    log_group_name:
      description: The log group.
      type: str
    traffic_type:
      description: The traffic logged.
      type: str
    deliver_logs_permission_arn:
      description: The role that writes the records.
      type: str
    max_aggregation_interval:
      description: The aggregation interval in seconds.
      type: int
    log_format:
      description: The record format; absent in check mode before the flow log exists, unless asked for.
      type: str
    tags:
      description: The flow log's tags.
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import MISSING
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import changed_fields
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_flow_logs
from ansible_collections.nestjs_playground.infra.plugins.module_utils.flow_logs import delivers_to
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_plan
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tags_after

# Owned field -> how DescribeFlowLogs reports it. None of them can be modified.
FIELDS = {
    "traffic_type": "TrafficType",
    "deliver_logs_permission_arn": "DeliverLogsPermissionArn",
    "max_aggregation_interval": "MaxAggregationInterval",
    "log_format": "LogFormat",
}


def desired_state(params):
    return {field: params.get(field) for field in FIELDS}


def current_state(flow_log):
    return {field: flow_log.get(key, MISSING) for field, key in FIELDS.items()}


def ours(flow_logs, resource_id, log_group_name):
    """The flow logs of ``resource_id`` into ``log_group_name``, oldest first. Pure."""
    found = [f for f in flow_logs if delivers_to(f, resource_id, log_group_name)]
    return sorted(found, key=lambda f: (str(f.get("CreationTime", "")), f["FlowLogId"]))


def plan(desired, flow_logs, desired_tags, purge_tags):
    """What to do, given the flow logs of the resource into the log group (``ours``). Pure.

    Returns ``{"keep": the flow log kept or None, "delete": [ids], "create": bool, "tags_to_set": {},
    "tags_to_remove": [], "changed": bool}``: the first flow log whose settings match is kept and the
    others deleted; when none matches, all are deleted and one is created.
    """
    keep = next((f for f in flow_logs if not changed_fields(desired, current_state(f))), None)
    delete = [f["FlowLogId"] for f in flow_logs if f is not keep]
    current_tags = boto3_tag_list_to_ansible_dict(keep.get("Tags", [])) if keep else {}
    to_set, to_remove = tag_plan(current_tags, desired_tags, purge_tags, exists=keep is not None)[:2]
    return {
        "keep": keep,
        "delete": delete,
        "create": keep is None,
        "tags_to_set": to_set,
        "tags_to_remove": to_remove,
        "changed": keep is None or bool(delete or to_set or to_remove),
    }


def view(flow_log):
    """A described flow log as the module returns it (snake_case, tags as a dict)."""
    if not flow_log:
        return {}
    result = {
        "flow_log_id": flow_log.get("FlowLogId"),
        "resource_id": flow_log.get("ResourceId"),
        "log_group_name": flow_log.get("LogGroupName"),
        "tags": boto3_tag_list_to_ansible_dict(flow_log.get("Tags", [])),
    }
    for field, key in FIELDS.items():
        if flow_log.get(key) is not None:
            result[field] = flow_log[key]
    return {key: value for key, value in result.items() if value is not None}


def predicted(params, tags):
    """The flow log the module would create, as ``view`` shows it."""
    flow_log = {"ResourceId": params["resource_id"], "LogGroupName": params["log_group_name"], "Tags": ansible_dict_to_boto3_tag_list(tags)}
    flow_log.update({key: params[field] for field, key in FIELDS.items() if params.get(field) is not None})
    return flow_log


def diff_view(flow_log_views):
    """The owned part of each flow log, for ``--diff``: one dict, or a list when there are several."""
    owned = [{key: value for key, value in v.items() if key != "flow_log_id"} for v in flow_log_views]
    if not owned:
        return {}
    return owned[0] if len(owned) == 1 else {"flow_logs": owned}


class FlowLog(Resource):
    """The flow log of ``resource_id`` into the CloudWatch Logs group ``log_group_name`` (and any duplicates of it)."""

    service = "ec2"
    kind = "the flow log of"
    name_option = "resource_id"

    def describe(self):
        """The flow logs of the resource into the log group, oldest first; None when there is none."""
        return ours(find_flow_logs(self.aws, [self.name], f"describe {self.what}"), self.name, self.params["log_group_name"]) or None

    def plan(self, current):
        params = self.params
        decision = plan(desired_state(params), current or [], params["tags"], params["purge_tags"])
        if decision["keep"]:
            current_tags = boto3_tag_list_to_ansible_dict(decision["keep"].get("Tags", []))
            after_log = dict(decision["keep"], Tags=ansible_dict_to_boto3_tag_list(tags_after(current_tags, params["tags"], params["purge_tags"])))
        else:
            after_log = predicted(params, params["tags"] or {})
        # The diff shows what was asked (and, for a kept flow log, what it has): the same in check mode and for real.
        decision.update(before=self.owned(current or []), after=diff_view([view(after_log)]), after_log=after_log)
        return decision

    def owned(self, current):
        return diff_view([view(f) for f in current])

    def apply(self, decision, current):
        self.delete_ids(decision["delete"])
        if not decision["create"]:
            self.retag(decision["keep"]["FlowLogId"], decision)
            return decision["after_log"]
        params = self.params
        request = {
            "ResourceIds": [params["resource_id"]],
            "ResourceType": params["resource_type"],
            "TrafficType": params["traffic_type"],
            "LogDestinationType": "cloud-watch-logs",
            "LogGroupName": params["log_group_name"],
            "DeliverLogsPermissionArn": params["deliver_logs_permission_arn"],
            "MaxAggregationInterval": params["max_aggregation_interval"],
        }
        if params.get("log_format"):
            request["LogFormat"] = params["log_format"]
        if params["tags"]:
            request["TagSpecifications"] = [{"ResourceType": "vpc-flow-log", "Tags": self.tags.tags_at_create(params["tags"])}]
        answer = self.aws.call(f"create {self.what}", "create_flow_logs", **request)
        if answer.get("Unsuccessful"):
            errors = "; ".join(item.get("Error", {}).get("Message", str(item)) for item in answer["Unsuccessful"])
            self.module.fail_json(msg=f"AWS refused to create the flow log of {self.name}: {errors}")
        created = [f for f in self.describe() or [] if f["FlowLogId"] == answer["FlowLogIds"][0]]
        return created[0] if created else dict(decision["after_log"], FlowLogId=answer["FlowLogIds"][0])

    def delete(self, current):
        self.delete_ids([f["FlowLogId"] for f in current])

    def delete_ids(self, ids):
        if not ids:
            return
        answer = self.aws.call(f"delete {self.what}", "delete_flow_logs", FlowLogIds=ids)
        failed = [item for item in answer.get("Unsuccessful") or [] if "NotFound" not in str(item.get("Error", {}).get("Code", ""))]
        if failed:
            self.module.fail_json(msg=f"Unable to delete flow logs: {failed}")

    def result(self, decision, state):
        return view(state if decision["changed"] and not self.module.check_mode else decision["after_log"])


def main():
    run_module(FlowLog, "flow_log", resource_argument_spec(
        resource_type=dict(type="str", default="VPC", choices=["VPC", "Subnet", "NetworkInterface"]),
        log_group_name=dict(type="str", required=True),
        deliver_logs_permission_arn=dict(type="str"),
        traffic_type=dict(type="str", default="ALL", choices=["ALL", "ACCEPT", "REJECT"]),
        max_aggregation_interval=dict(type="int", default=600, choices=[60, 600]),
        log_format=dict(type="str"),
        name_option="resource_id",
    ), required_if=[["state", "present", ["deliver_logs_permission_arn"]]])


if __name__ == "__main__":
    main()
