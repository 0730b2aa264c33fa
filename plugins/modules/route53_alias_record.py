#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: route53_alias_record
version_added: 0.2.0
short_description: Ensure a Route 53 alias record points a name at a load balancer (or another alias target)
description:
  - Creates, updates or deletes one alias record (C(A) or C(AAAA)) of a Route 53 hosted zone. The name answers
    with the addresses of an AWS resource, such as an Application Load Balancer, given by its DNS name and
    its canonical hosted zone.
  - Written instead of C(amazon.aws.route53) 10.1.2 on the hot path of every converge. As a module of another
    collection it runs as a process of its own in every task (about 1 s here) where this one runs in
    Ansible's worker; it returns no diff, and its C(region) option means latency-based routing, not the
    region of the call, so that a play's C(module_defaults) region had to be taken out of every task.
  - A record of that name and type that is not the asked alias (another target, or plain addresses) is
    replaced (C(UPSERT)). The alias target's name is compared without case, without a trailing dot and
    without the C(dualstack.) prefix AWS may add.
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same C(changed) and
    C(diff) that the real run would.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  hosted_zone_id:
    description: The id of the hosted zone that holds the record.
    required: true
    type: str
  name:
    description: The record's name, a fully qualified domain name (the trailing dot is optional).
    required: true
    type: str
  type:
    description: The record's type.
    choices: ["A", "AAAA"]
    default: A
    type: str
  state:
    description: Whether the record should exist.
    choices: ["present", "absent"]
    default: present
    type: str
  alias_dns_name:
    description: The DNS name of the alias target, for example the load balancer's. Required with O(state=present).
    type: str
  alias_hosted_zone_id:
    description: The canonical hosted zone id of the alias target. Required with O(state=present).
    type: str
  evaluate_target_health:
    description: Whether Route 53 answers only while the target is healthy.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the domain name points at the load balancer
  nestjs_playground.infra.route53_alias_record:
    hosted_zone_id: Z0123456789ABCDEFGHIJ
    name: nestjs-playground-api.example.com
    alias_dns_name: nestjs-playground-dev-alb-1234567890.us-east-1.elb.amazonaws.com
    alias_hosted_zone_id: Z35SXDOTRQ7X7K
"""

RETURN = r"""
record:
  description: The record as it is after the run (in check mode, as it would be). Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: The record's name, with its trailing dot.
      type: str
    type:
      description: Its type.
      type: str
    alias_dns_name:
      description: The alias target's DNS name.
      type: str
    alias_hosted_zone_id:
      description: The alias target's hosted zone.
      type: str
    evaluate_target_health:
      description: Whether Route 53 evaluates the target's health.
      type: bool
"""

from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module


def fqdn(name):
    """A name as Route 53 lists it: lower case, with its trailing dot."""
    return name.lower().rstrip(".") + "."


def target_name(dns_name):
    """An alias target's DNS name, compared without case, trailing dot or AWS's ``dualstack.`` prefix."""
    name = (dns_name or "").lower().rstrip(".")
    return name[len("dualstack."):] if name.startswith("dualstack.") else name


def current_state(record_set):
    """The owned fields of a ResourceRecordSet (None: no record). Pure."""
    if record_set is None:
        return None
    alias = record_set.get("AliasTarget")
    if not alias:   # plain addresses: shown, and never equal to an alias
        return {"values": sorted(r["Value"] for r in record_set.get("ResourceRecords") or [])}
    return {"alias_dns_name": target_name(alias.get("DNSName")), "alias_hosted_zone_id": alias.get("HostedZoneId"),
            "evaluate_target_health": bool(alias.get("EvaluateTargetHealth"))}


def desired_state(params):
    return {"alias_dns_name": target_name(params["alias_dns_name"]), "alias_hosted_zone_id": params["alias_hosted_zone_id"],
            "evaluate_target_health": params["evaluate_target_health"]}


def plan(desired, current):
    """``{"changed", "before", "after"}`` for an UPSERT of ``desired`` over ``current`` (None: no record). Pure."""
    return {"changed": current != desired, "before": current or {}, "after": desired}


def record_set(name, record_type, params):
    """The ResourceRecordSet of an UPSERT: the alias target's name as the user gave it."""
    return {"Name": name, "Type": record_type, "AliasTarget": {
        "DNSName": params["alias_dns_name"], "HostedZoneId": params["alias_hosted_zone_id"],
        "EvaluateTargetHealth": params["evaluate_target_health"]}}


class AliasRecord(Resource):
    """The alias record ``name`` of type ``type`` (A or AAAA) in the hosted zone ``hosted_zone_id``."""

    service = "route53"
    kind = "record"

    def __init__(self, module):
        super().__init__(module)
        self.zone, self.name, self.type = self.params["hosted_zone_id"], fqdn(self.params["name"]), self.params["type"]
        self.what = f"the {self.type} record {self.name} of hosted zone {self.zone}"

    def describe(self):
        """The record set of that name and type (as listed), or None."""
        listed = self.aws.call(f"read {self.what}", "list_resource_record_sets", HostedZoneId=self.zone,
                               StartRecordName=self.name, StartRecordType=self.type, MaxItems="1")["ResourceRecordSets"]
        found = [r for r in listed if fqdn(r["Name"]) == self.name and r["Type"] == self.type and not r.get("SetIdentifier")]
        return found[0] if found else None

    def plan(self, current):
        return plan(desired_state(self.params), current_state(current))

    def apply(self, decision, current):
        self.change("UPSERT", record_set(self.name, self.type, self.params))
        return current

    def delete(self, current):
        self.change("DELETE", current)

    def change(self, action, record):
        self.aws.call(f"{action} {self.what}", "change_resource_record_sets", HostedZoneId=self.zone, ChangeBatch={
            "Comment": "nestjs_playground.infra.route53_alias_record", "Changes": [{"Action": action, "ResourceRecordSet": record}]})

    def owned(self, current):
        return current_state(current)

    def result(self, decision, state):
        return dict(decision["after"], name=self.name, type=self.type)


def main():
    run_module(AliasRecord, "record", resource_argument_spec(
        hosted_zone_id=dict(type="str", required=True),
        type=dict(type="str", default="A", choices=["A", "AAAA"]),
        alias_dns_name=dict(type="str"),
        alias_hosted_zone_id=dict(type="str"),
        evaluate_target_health=dict(type="bool", default=False),
        tagged=False,
    ), required_if=[["state", "present", ["alias_dns_name", "alias_hosted_zone_id"]]])


if __name__ == "__main__":
    main()
