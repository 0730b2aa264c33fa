#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatch_metric_alarms
version_added: 0.1.0
short_description: Ensure a set of CloudWatch metric alarms, with their actions and tags, in one call
description:
  - Converges a list of Amazon CloudWatch metric alarms in one call - each one created, updated or deleted
    as its O(alarms[].state) says - with the metric, statistic, dimensions, period, evaluation counts,
    threshold, comparison, treatment of missing data, actions and tags.
  - One call for the whole set, because the monitoring role owns about eight alarms and Ansible spends about
    half a second per task; the module reads every alarm with one C(DescribeAlarms) call and writes only the
    alarms that differ.
  - Written because C(amazon.aws.cloudwatch_metric_alarm) 10.1 cannot tag an alarm (the specification tags
    every resource with C(App), C(Env), C(OU) and C(Owner)), returns no diff, makes its calls without retries
    on throttling, and (measured against the local endpoint) reports a change on every run for an alarm
    on a metric math expression.
  - C(PutMetricAlarm) replaces an alarm's whole configuration, so an update always sends every field; a field
    not given is the API's default (no description, no actions, C(missing) data treated as missing, every
    evaluated datapoint must breach). Tags are set at creation and changed on an existing alarm with
    C(TagResource) and C(UntagResource), since C(PutMetricAlarm) ignores them on an update.
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same C(changed)
    and C(diff) as the real run.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  alarms:
    description: The alarms, each named; the names must be unique.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The alarm's name.
        type: str
        required: true
      state:
        description: Whether the alarm should exist.
        type: str
        choices: [present, absent]
        default: present
      description:
        description: The alarm's description; none when not given.
        type: str
      namespace:
        description: The metric's namespace, for example C(AWS/ECS). Required when O(alarms[].state=present).
        type: str
      metric_name:
        description: The metric's name, for example C(CPUUtilization). Required when O(alarms[].state=present).
        type: str
      dimensions:
        description: The metric's dimensions, name to value.
        type: dict
        default: {}
      statistic:
        description: The statistic applied over each period. Required when O(alarms[].state=present).
        type: str
        choices: [SampleCount, Average, Sum, Minimum, Maximum]
      unit:
        description: The metric's unit; any unit when not given.
        type: str
      period:
        description: Seconds in each evaluated period (10, 30 or a multiple of 60). Required when O(alarms[].state=present).
        type: int
      evaluation_periods:
        description: How many of the latest periods are evaluated. Required when O(alarms[].state=present).
        type: int
      datapoints_to_alarm:
        description: How many of the evaluated periods must breach to go to ALARM; all of them when not given.
        type: int
      threshold:
        description: The value the statistic is compared with. Required when O(alarms[].state=present).
        type: float
      comparison_operator:
        description: How the statistic is compared with the threshold. Required when O(alarms[].state=present).
        type: str
        choices:
          - GreaterThanOrEqualToThreshold
          - GreaterThanThreshold
          - LessThanThreshold
          - LessThanOrEqualToThreshold
      treat_missing_data:
        description: How a period without data counts.
        type: str
        choices: [breaching, notBreaching, ignore, missing]
        default: missing
      actions_enabled:
        description: Whether the actions run on a state change.
        type: bool
        default: true
      alarm_actions:
        description: ARNs notified when the alarm goes to ALARM, for example an SNS topic.
        type: list
        elements: str
        default: []
      ok_actions:
        description: ARNs notified when the alarm goes back to OK.
        type: list
        elements: str
        default: []
      insufficient_data_actions:
        description: ARNs notified when the alarm goes to INSUFFICIENT_DATA.
        type: list
        elements: str
        default: []
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - The tags given apply to every alarm of O(alarms) that is present.
  - Single-metric alarms only; metric math and anomaly detection alarms are not managed.
"""

EXAMPLES = r"""
- name: Ensure the application's CPU alarm, and no alarm on a service that was removed
  nestjs_playground.infra.cloudwatch_metric_alarms:
    alarms:
      - name: nestjs-playground-dev-app-cpu-high
        description: The application's tasks average more than 80% CPU for 5 minutes.
        namespace: AWS/ECS
        metric_name: CPUUtilization
        dimensions:
          ClusterName: nestjs-playground-dev
          ServiceName: nestjs-playground-dev
        statistic: Average
        period: 60
        evaluation_periods: 5
        threshold: 80
        comparison_operator: GreaterThanThreshold
        treat_missing_data: notBreaching
        alarm_actions: [arn:aws:sns:us-east-1:123456789012:nestjs-playground-dev-alarms]
        ok_actions: [arn:aws:sns:us-east-1:123456789012:nestjs-playground-dev-alarms]
      - name: nestjs-playground-dev-scheduler-cpu-high
        state: absent
    tags:
      App: nestjs-playground
      Env: dev
"""

RETURN = r"""
alarms:
  description: Each alarm of O(alarms), in the same order, as it is after the run (in check mode, as it would be).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The alarm's name.
      type: str
    state:
      description: V(present) or V(absent).
      type: str
    changed:
      description: Whether this alarm was (or, in check mode, would be) created, updated or deleted.
      type: bool
    alarm_arn:
      description: The alarm's ARN; absent for a deleted alarm and, in check mode, for one not yet created.
      type: str
    configuration:
      description: The alarm's configuration (the fields of O(alarms) but name and state); empty when absent.
      type: dict
    tags:
      description: The alarm's tags; empty when absent.
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import values_equal
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import ListTags
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import ServiceCalls
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import tag_options
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_plan
# Option -> the PutMetricAlarm / DescribeAlarms field, in the order diffs show them.
FIELDS = {
    "description": "AlarmDescription",
    "namespace": "Namespace",
    "metric_name": "MetricName",
    "dimensions": "Dimensions",
    "statistic": "Statistic",
    "unit": "Unit",
    "period": "Period",
    "evaluation_periods": "EvaluationPeriods",
    "datapoints_to_alarm": "DatapointsToAlarm",
    "threshold": "Threshold",
    "comparison_operator": "ComparisonOperator",
    "treat_missing_data": "TreatMissingData",
    "actions_enabled": "ActionsEnabled",
    "alarm_actions": "AlarmActions",
    "ok_actions": "OKActions",
    "insufficient_data_actions": "InsufficientDataActions",
}
REQUIRED_WHEN_PRESENT = ("namespace", "metric_name", "statistic", "period", "evaluation_periods", "threshold", "comparison_operator")
ACTION_LISTS = ("alarm_actions", "ok_actions", "insufficient_data_actions")
DESCRIBE_BATCH = 100   # DescribeAlarms takes at most 100 names


def configuration(fields):
    """An alarm's configuration in one canonical form, from the module's options (desired) or from
    ``current_configuration`` - each PutMetricAlarm default filled in, so that what AWS leaves out when it
    holds the default (description, unit, datapoints to alarm, missing-data treatment) compares equal."""
    config = {key: fields.get(key) for key in FIELDS}
    config["description"] = config["description"] or ""
    config["dimensions"] = {str(k): str(v) for k, v in (config["dimensions"] or {}).items()}
    for key in ACTION_LISTS:
        config[key] = sorted(config[key] or [])
    if config["datapoints_to_alarm"] is None:
        config["datapoints_to_alarm"] = config["evaluation_periods"]
    config["treat_missing_data"] = config["treat_missing_data"] or "missing"
    config["actions_enabled"] = True if config["actions_enabled"] is None else config["actions_enabled"]
    if config["threshold"] is not None:
        config["threshold"] = float(config["threshold"])
    return config


def current_configuration(alarm):
    """The configuration of an alarm as DescribeAlarms returns it, in the form of ``configuration``."""
    fields = {option: alarm.get(field) for option, field in FIELDS.items()}
    fields["dimensions"] = {d["Name"]: d["Value"] for d in alarm.get("Dimensions") or []}
    return configuration(fields)


def problems(alarms):
    """Messages for what the module cannot do with ``alarms`` (the options); [] when all is well. Pure."""
    found = []
    names = [alarm["name"] for alarm in alarms]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        found.append(f"alarm names must be unique, and {', '.join(duplicates)} appear more than once")
    for alarm in alarms:
        if alarm.get("state", "present") != "present":
            continue
        missing = [key for key in REQUIRED_WHEN_PRESENT if alarm.get(key) is None]
        if missing:
            found.append(f"alarm {alarm['name']} is present but has no {', '.join(missing)}")
        points, periods = alarm.get("datapoints_to_alarm"), alarm.get("evaluation_periods")
        if points is not None and periods is not None and not 1 <= points <= periods:
            found.append(f"alarm {alarm['name']}: datapoints_to_alarm {points} must be 1 to evaluation_periods ({periods})")
    return found


def plan(desired, current, desired_tags, purge_tags):
    """What to do for one alarm. Pure: no AWS call.

    ``desired`` is the alarm's options (with ``state``); ``current`` is None when the alarm does not exist,
    else ``{"configuration": current_configuration(...), "tags": {...}, "arn": ...}``. Returns ``action``
    (``create``, ``update``, ``delete`` or None), ``fields`` (the configuration fields that differ),
    ``tags_to_set``, ``tags_to_remove``, ``before`` and ``after`` (configuration and tags) and ``changed``.
    """
    before = {} if current is None else dict(current["configuration"], tags=current["tags"])
    if desired.get("state", "present") == "absent":
        action = None if current is None else "delete"
        return {"action": action, "fields": [], "tags_to_set": {}, "tags_to_remove": [],
                "before": before, "after": {}, "changed": action is not None}
    wanted = configuration(desired)
    to_set, to_remove, tags = tag_plan((current or {}).get("tags"), desired_tags, purge_tags)
    if current is None:   # PutMetricAlarm creates it with its tags
        return {"action": "create", "fields": list(FIELDS), "tags_to_set": tags, "tags_to_remove": [],
                "before": {}, "after": dict(wanted, tags=tags), "changed": True}
    fields = [key for key in FIELDS if not values_equal(wanted[key], current["configuration"][key])]
    return {"action": "update" if fields else None, "fields": fields, "tags_to_set": to_set, "tags_to_remove": to_remove,
            "before": before, "after": dict(wanted, tags=tags), "changed": bool(fields or to_set or to_remove)}


def put_arguments(name, config, tags=None):
    """The PutMetricAlarm arguments for a configuration; ``tags`` only when creating. Pure."""
    kwargs = {
        "AlarmName": name,
        "AlarmDescription": config["description"],
        "Namespace": config["namespace"],
        "MetricName": config["metric_name"],
        "Dimensions": [{"Name": key, "Value": value} for key, value in sorted(config["dimensions"].items())],
        "Statistic": config["statistic"],
        "Period": config["period"],
        "EvaluationPeriods": config["evaluation_periods"],
        "DatapointsToAlarm": config["datapoints_to_alarm"],
        "Threshold": config["threshold"],
        "ComparisonOperator": config["comparison_operator"],
        "TreatMissingData": config["treat_missing_data"],
        "ActionsEnabled": config["actions_enabled"],
        "AlarmActions": config["alarm_actions"],
        "OKActions": config["ok_actions"],
        "InsufficientDataActions": config["insufficient_data_actions"],
    }
    if config["unit"]:
        kwargs["Unit"] = config["unit"]
    if tags:
        kwargs["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    return kwargs


class AlarmTags(ListTags):
    """CloudWatch: tags as ``[{"Key", "Value"}]`` by ``ResourceARN``."""

    resource_param = "ResourceARN"


def describe(aws, names):
    """{name: DescribeAlarms entry} of the metric alarms among ``names`` that exist."""
    found = {}
    for start in range(0, len(names), DESCRIBE_BATCH):
        batch = names[start:start + DESCRIBE_BATCH]
        pages = aws.pages(f"describe the alarms {', '.join(batch)}", "describe_alarms", AlarmNames=batch, AlarmTypes=["MetricAlarm"])
        found.update({alarm["AlarmName"]: alarm for alarm in pages.get("MetricAlarms", [])})
    return found


def decide(params, aws, tags):
    """[(alarm options, current or None, plan)] for each alarm of ``params["alarms"]``, in order."""
    existing = describe(aws, [alarm["name"] for alarm in params["alarms"]])
    decisions = []
    for alarm in params["alarms"]:
        current = existing.get(alarm["name"])
        if current is not None:
            arn = current["AlarmArn"]
            current = {"configuration": current_configuration(current), "tags": tags.read(arn, f"alarm {arn}"), "arn": arn}
        decisions.append((alarm, current, plan(alarm, current, params["tags"], params["purge_tags"])))
    return decisions


def apply(aws, tags, decisions):
    """Makes the decisions so in CloudWatch; returns them with the ARN of each alarm created."""
    for alarm, current, decision in decisions:
        if decision["action"] in ("create", "update"):
            creating = decision["action"] == "create"
            aws.call(f"write alarm {alarm['name']}", "put_metric_alarm",
                     **put_arguments(alarm["name"], configuration(alarm), decision["tags_to_set"] if creating else None))
        if current is not None and decision["action"] != "delete":
            tags.change(current["arn"], f"alarm {current['arn']}", decision["tags_to_set"], decision["tags_to_remove"])
    deleted = [alarm["name"] for alarm, _current, decision in decisions if decision["action"] == "delete"]
    for start in range(0, len(deleted), DESCRIBE_BATCH):
        aws.call(f"delete the alarms {', '.join(deleted)}", "delete_alarms", missing=None, AlarmNames=deleted[start:start + DESCRIBE_BATCH])
    created = [alarm["name"] for alarm, _current, decision in decisions if decision["action"] == "create"]
    if not created:
        return decisions
    created = describe(aws, created)
    return [(alarm, current or ({"arn": created[alarm["name"]]["AlarmArn"]} if alarm["name"] in created else None), decision)
            for alarm, current, decision in decisions]


def outcome(decisions):
    """The module's result: each alarm as it is after the run, and the diff of them all."""
    results, before, after = [], {}, {}
    for alarm, current, decision in decisions:
        result = {"name": alarm["name"], "state": alarm["state"], "changed": decision["changed"]}
        if decision["after"]:
            result["configuration"] = {key: value for key, value in decision["after"].items() if key != "tags"}
            result["tags"] = decision["after"]["tags"]
            if current is not None:
                result["alarm_arn"] = current["arn"]
        else:
            result.update(configuration={}, tags={})
        results.append(result)
        if decision["before"]:
            before[alarm["name"]] = decision["before"]
        if decision["after"]:
            after[alarm["name"]] = decision["after"]
    return {"changed": any(decision["changed"] for _alarm, _current, decision in decisions), "alarms": results,
            "diff": {"before": before, "after": after}}


def converge(module, aws):
    """Reads the alarms, decides and (not in check mode) applies through ``aws`` (CloudWatch's ServiceCalls);
    returns the module's result."""
    tags = AlarmTags(aws)
    decisions = decide(module.params, aws, tags)
    if not module.check_mode:
        decisions = apply(aws, tags, decisions)
    return outcome(decisions)


def main():
    alarm_spec = resource_argument_spec(
        description=dict(type="str"),
        namespace=dict(type="str"),
        metric_name=dict(type="str"),
        dimensions=dict(type="dict", default={}),
        statistic=dict(type="str", choices=["SampleCount", "Average", "Sum", "Minimum", "Maximum"]),
        unit=dict(type="str"),
        period=dict(type="int"),
        evaluation_periods=dict(type="int"),
        datapoints_to_alarm=dict(type="int"),
        threshold=dict(type="float"),
        comparison_operator=dict(type="str", choices=[
            "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"]),
        treat_missing_data=dict(type="str", default="missing", choices=["breaching", "notBreaching", "ignore", "missing"]),
        actions_enabled=dict(type="bool", default=True),
        alarm_actions=dict(type="list", elements="str", default=[]),
        ok_actions=dict(type="list", elements="str", default=[]),
        insufficient_data_actions=dict(type="list", elements="str", default=[]),
        tagged=False,
    )
    module = AnsibleAWSModule(
        argument_spec=dict(alarms=dict(type="list", elements="dict", required=True, options=alarm_spec), **tag_options()),
        supports_check_mode=True,
    )
    found = problems(module.params["alarms"])
    if found:
        module.fail_json(msg="; ".join(found) + ".")
    else:
        module.exit_json(**converge(module, ServiceCalls(module, "cloudwatch")))


if __name__ == "__main__":
    main()
