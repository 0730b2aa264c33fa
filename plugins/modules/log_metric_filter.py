#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: log_metric_filter
version_added: 0.1.0
short_description: Ensure an Amazon CloudWatch Logs metric filter, turning matching log events into a metric
description:
  - Creates, updates or deletes one metric filter of a CloudWatch Logs log group - its filter pattern and
    the metric it publishes (namespace, name, value, default value, unit).
  - Replaces C(amazon.aws.cloudwatchlogs_log_group_metric_filter) (10.1.2), which lets the
    C(ResourceNotFoundException) that C(DescribeMetricFilters) documents for a missing log group go up as a
    traceback - the log group does not exist yet in C(--check) on a fresh account (the compute tier only
    plans it) and no longer does in a removal after it went; which finds the filter by name prefix and takes a second filter sharing the prefix
    (C(errors) and C(errors-old)) for no filter at all, so it puts the filter on every run and never
    deletes it; returns no diff; and makes its calls without retries on throttling.
  - C(PutMetricFilter) replaces the whole filter, so an update sends every field; a field not given is
    the API's default (no default value, no unit).
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same
    C(changed) and C(diff) that the real run would.
  - A missing log group is a filter that does not exist; creating one on it fails with AWS's words, and
    deleting one there changes nothing.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  name:
    description: The metric filter's name, unique within its log group.
    required: true
    type: str
    aliases: ["filter_name"]
  log_group_name:
    description: The log group whose events the filter reads.
    required: true
    type: str
  state:
    description: Whether the metric filter should exist.
    choices: ["present", "absent"]
    default: present
    type: str
  filter_pattern:
    description:
      - The pattern log events must match, for example C({ $.level = "error" }) for JSON events.
      - Required when O(state=present).
    type: str
  metric_namespace:
    description: The namespace of the metric published. Required when O(state=present).
    type: str
  metric_name:
    description: The name of the metric published. Required when O(state=present).
    type: str
  metric_value:
    description: What each matching event adds to the metric - a number, or a field of the event such as C($.duration).
    type: str
    default: "1"
  default_value:
    description: The value published for a period with log events but none matching; none when not given.
    type: float
  unit:
    description: The metric's unit, for example C(Count); none when not given.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Metric filters take no tags.
  - The metric appears only once a matching event arrives; an alarm on it should treat missing data as
    not breaching.
"""

EXAMPLES = r"""
- name: Ensure the application's error and fatal log lines are counted
  nestjs_playground.infra.log_metric_filter:
    name: nestjs-playground-dev-error-logs
    log_group_name: /ecs/nestjs-playground-dev
    filter_pattern: '{ ($.level = "error") || ($.level = "fatal") }'
    metric_namespace: nestjs-playground/dev
    metric_name: ErrorLogEvents
    unit: Count

- name: Delete it
  nestjs_playground.infra.log_metric_filter:
    name: nestjs-playground-dev-error-logs
    log_group_name: /ecs/nestjs-playground-dev
    state: absent
"""

RETURN = r"""
metric_filter:
  description:
    - The metric filter as it is after the run (in check mode, as it would be).
    - Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    filter_name:
      description: The filter's name.
      type: str
      sample: nestjs-playground-dev-error-logs
    log_group_name:
      description: Its log group.
      type: str
      sample: /ecs/nestjs-playground-dev
    filter_pattern:
      description: The pattern.
      type: str
    metric_namespace:
      description: The metric's namespace.
      type: str
    metric_name:
      description: The metric's name.
      type: str
    metric_value:
      description: What each matching event adds.
      type: str
    default_value:
      description: The value for a period without a match; null when none.
      type: float
    unit:
      description: The metric's unit; null when none.
      type: str
"""

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import values_equal
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module

# The owned fields, in the order diffs show them.
FIELDS = ("filter_pattern", "metric_namespace", "metric_name", "metric_value", "default_value", "unit")


def owned(fields):
    """The owned fields in one canonical form: AWS's "None" unit (what it may answer for no unit) is no unit,
    a default value a float. Pure."""
    config = {key: fields.get(key) for key in FIELDS}
    if config["unit"] in ("", "None"):
        config["unit"] = None
    if config["default_value"] is not None:
        config["default_value"] = float(config["default_value"])
    config["metric_value"] = None if config["metric_value"] is None else str(config["metric_value"])
    return config


def current_fields(metric_filter):
    """The owned fields of a DescribeMetricFilters entry, in the form of ``owned``. Pure."""
    transformation = (metric_filter.get("metricTransformations") or [{}])[0]
    return owned({
        "filter_pattern": metric_filter.get("filterPattern"),
        "metric_namespace": transformation.get("metricNamespace"),
        "metric_name": transformation.get("metricName"),
        "metric_value": transformation.get("metricValue"),
        "default_value": transformation.get("defaultValue"),
        "unit": transformation.get("unit"),
    })


def plan(desired, current):
    """What must be done to go from ``current`` (the owned fields, None: no such filter) to ``desired`` (the
    module's options). Returns ``put`` (create or replace the filter), ``before``, ``after`` and ``changed``.
    Pure: no AWS call."""
    after = owned(desired)
    put = current is None or any(not values_equal(after[key], current[key]) for key in FIELDS)
    return {"put": put, "before": dict(current or {}), "after": after, "changed": put}


def put_arguments(log_group_name, name, config):
    """The PutMetricFilter arguments for the owned fields ``config``. Pure."""
    transformation = {"metricNamespace": config["metric_namespace"], "metricName": config["metric_name"],
                      "metricValue": config["metric_value"]}
    if config["default_value"] is not None:
        transformation["defaultValue"] = config["default_value"]
    if config["unit"] is not None:
        transformation["unit"] = config["unit"]
    return {"logGroupName": log_group_name, "filterName": name, "filterPattern": config["filter_pattern"],
            "metricTransformations": [transformation]}


class MetricFilter(Resource):
    """The metric filter ``name`` of the log group ``log_group_name``, in CloudWatch Logs."""

    service = "logs"
    kind = "metric filter"

    def __init__(self, module):
        super().__init__(module)
        self.log_group_name = self.params["log_group_name"]
        self.what = f"metric filter {self.name} of log group {self.log_group_name}"

    def describe(self):
        # By prefix (the only look-up the API offers), then the exact name; a missing log group: no filter.
        answer = self.aws.pages(f"describe {self.what}", "describe_metric_filters", missing=None,
                                logGroupName=self.log_group_name, filterNamePrefix=self.name)
        found = [entry for entry in (answer or {}).get("metricFilters", []) if entry.get("filterName") == self.name]
        return current_fields(found[0]) if found else None

    def plan(self, current):
        return plan(self.params, current)

    def apply(self, decision, current):
        self.aws.call(f"put {self.what}", "put_metric_filter", **put_arguments(self.log_group_name, self.name, decision["after"]))
        return decision["after"]

    def delete(self, current):
        self.aws.call(f"delete {self.what}", "delete_metric_filter", missing=None,
                      logGroupName=self.log_group_name, filterName=self.name)

    def result(self, decision, state):
        return dict({"filter_name": self.name, "log_group_name": self.log_group_name}, **decision["after"])


def main():
    run_module(MetricFilter, "metric_filter", resource_argument_spec(
        name=dict(type="str", required=True, aliases=["filter_name"]),
        log_group_name=dict(type="str", required=True),
        filter_pattern=dict(type="str"),
        metric_namespace=dict(type="str"),
        metric_name=dict(type="str"),
        metric_value=dict(type="str", default="1"),
        default_value=dict(type="float"),
        unit=dict(type="str"),
        tagged=False,
    ), required_if=[("state", "present", ["filter_pattern", "metric_namespace", "metric_name"])])


if __name__ == "__main__":
    main()
