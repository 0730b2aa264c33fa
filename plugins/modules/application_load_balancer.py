#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: application_load_balancer
version_added: 0.1.0
short_description: Ensure an Application Load Balancer without its listeners, returning its DNS name also in check mode
description:
  - Creates, updates or deletes one Application Load Balancer - its scheme, subnets, security groups,
    IP address type, idle timeout, deletion protection and tags. It never reads, changes or deletes
    listeners; C(nestjs_playground.infra.alb_listener) manages them.
  - Replaces C(amazon.aws.elb_application_lb). Measured against it, used without listeners and with
    C(purge_listeners=false) - creation, reruns, tag changes and leaving other listeners alone are
    correct, but in check mode it returns only C(changed) and a C(msg) - no C(dns_name), no
    C(canonical_hosted_zone_id), no ARN - even when the load balancer exists and nothing changes
    (C(IN CHECK MODE - no changes to make to ALB specified.)), and it returns no C(diff). A plan
    (C(--check)) needs the DNS name and hosted zone for the Route 53 alias record.
  - This module returns C(load_balancer_arn), C(dns_name) and C(canonical_hosted_zone_id) whenever the
    load balancer exists, in check mode too, and a C(diff) of the fields it owns.
  - With O(state=absent), a load balancer with deletion protection is only deleted when
    O(deletion_protection=false) is given (it is turned off first); otherwise the module fails before
    any change, in check mode too.
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same
    C(changed) and C(diff) that the real run would.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  name:
    description:
      - The name of the load balancer.
    required: true
    type: str
  state:
    description:
      - Whether the load balancer should exist. Deleting it deletes its listeners too (AWS does).
    choices: ["present", "absent"]
    default: present
    type: str
  scheme:
    description:
      - C(internet-facing) or C(internal). Cannot be changed; a difference fails and names the field.
    choices: ["internet-facing", "internal"]
    default: internet-facing
    type: str
  subnets:
    description:
      - The ids of the subnets, at least two in different availability zones. Required to create the
        load balancer; compared as a set.
    type: list
    elements: str
  security_groups:
    description:
      - The ids of the security groups; compared as a set. When not set, an existing load balancer keeps
        its groups and a new one gets the VPC's default group.
    type: list
    elements: str
  ip_address_type:
    description:
      - C(ipv4) or C(dualstack). Left alone when not set; a new load balancer is C(ipv4).
    choices: ["ipv4", "dualstack"]
    type: str
  idle_timeout:
    description:
      - Seconds a connection may stay idle (the attribute C(idle_timeout.timeout_seconds)). Left alone
        when not set.
    type: int
  deletion_protection:
    description:
      - Whether the load balancer is protected from deletion (the attribute
        C(deletion_protection.enabled)). Left alone when not set.
      - With O(state=absent), V(false) turns protection off before the deletion.
    type: bool
  wait:
    description:
      - After creating the load balancer or changing its subnets, wait until it is C(active); after
        deleting it, wait until it is gone.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true).
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the internet-facing load balancer
  nestjs_playground.infra.application_load_balancer:
    name: nestjs-playground-dev
    scheme: internet-facing
    subnets: "{{ network.public_subnet_ids }}"
    security_groups:
      - "{{ alb_security_group.group_id }}"
    idle_timeout: 60
    tags:
      App: nestjs-playground
      Env: dev
  register: alb

- name: Point the API name at the load balancer (works in check mode too)
  amazon.aws.route53:
    zone: example.com
    record: nestjs-playground-api.example.com
    type: A
    alias: true
    value: "{{ alb.load_balancer.dns_name }}"
    alias_hosted_zone_id: "{{ alb.load_balancer.canonical_hosted_zone_id }}"
    state: present
  when: alb.load_balancer.dns_name is defined

- name: Delete a protected load balancer
  nestjs_playground.infra.application_load_balancer:
    name: nestjs-playground-prd
    state: absent
    deletion_protection: false
"""

RETURN = r"""
load_balancer:
  description:
    - The load balancer as it is after the run (in check mode, as it would be). Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    load_balancer_arn:
      description: The ARN; returned whenever the load balancer exists, also in check mode.
      type: str
      sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/nestjs-playground-dev/50dc6c495c0c9188
    load_balancer_name:
      description: The name.
      type: str
    dns_name:
      description: The DNS name; returned whenever the load balancer exists, also in check mode.
      type: str
      sample: nestjs-playground-dev-1234567890.us-east-1.elb.amazonaws.com
    canonical_hosted_zone_id:
      description: The Route 53 hosted zone of the DNS name, for an alias record; returned whenever the
        load balancer exists, also in check mode.
      type: str
      sample: Z35SXDOTRQ7X7K
    scheme:
      description: C(internet-facing) or C(internal).
      type: str
    vpc_id:
      description: The VPC.
      type: str
    subnets:
      description: The subnet ids, sorted.
      type: list
      elements: str
    security_groups:
      description: The security group ids, sorted.
      type: list
      elements: str
    ip_address_type:
      description: C(ipv4) or C(dualstack).
      type: str
    idle_timeout:
      description: The idle timeout in seconds (when AWS returns it).
      type: int
    deletion_protection:
      description: Whether deletion protection is on.
      type: bool
    state:
      description: The state code, for example C(active) or C(provisioning).
      type: str
    tags:
      description: The tags.
      type: dict
"""

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import MISSING
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import returned
from ansible_collections.nestjs_playground.infra.plugins.module_utils.load_balancing import NamedElbv2Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import CHANGED_MEANWHILE
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import owned_changes

# Our field -> the load balancer attribute that holds it.
ATTRIBUTES = {
    "idle_timeout": "idle_timeout.timeout_seconds",
    "deletion_protection": "deletion_protection.enabled",
}
IMMUTABLE = ("scheme",)
# The fields this module owns, as compared and shown in the diff (tags apart).
OWNED = ("scheme", "subnets", "security_groups", "ip_address_type", "idle_timeout", "deletion_protection")
# What AWS gives a new load balancer for a field that was not asked for.
CREATION_DEFAULTS = {"ip_address_type": "ipv4", "deletion_protection": False}
# What the module reads but does not own; returned as they are.
IDENTITY = ("load_balancer_arn", "load_balancer_name", "dns_name", "canonical_hosted_zone_id", "vpc_id", "state")


def desired_state(params):
    """The owned fields as asked; None means 'leave alone'. Lists are compared as sorted sets."""
    return {
        "scheme": params.get("scheme"),
        "subnets": sorted(set(params["subnets"])) if params.get("subnets") is not None else None,
        "security_groups": sorted(set(params["security_groups"])) if params.get("security_groups") is not None else None,
        "ip_address_type": params.get("ip_address_type"),
        "idle_timeout": params.get("idle_timeout"),
        "deletion_protection": params.get("deletion_protection"),
    }


def _attribute(attributes, key, convert):
    value = attributes.get(key)
    return MISSING if value is None else convert(value)


def current_state(balancer, attributes, tags):
    """A load balancer as ``describe_load_balancers`` returns it, with its attributes and tags."""
    return {
        "load_balancer_arn": balancer["LoadBalancerArn"],
        "load_balancer_name": balancer["LoadBalancerName"],
        "dns_name": balancer.get("DNSName"),
        "canonical_hosted_zone_id": balancer.get("CanonicalHostedZoneId"),
        "vpc_id": balancer.get("VpcId"),
        "state": (balancer.get("State") or {}).get("Code"),
        "scheme": balancer.get("Scheme", MISSING),
        "subnets": sorted(zone["SubnetId"] for zone in balancer.get("AvailabilityZones") or []),
        "security_groups": sorted(balancer.get("SecurityGroups") or []),
        "ip_address_type": balancer.get("IpAddressType", MISSING),
        "idle_timeout": _attribute(attributes, ATTRIBUTES["idle_timeout"], int),
        "deletion_protection": _attribute(attributes, ATTRIBUTES["deletion_protection"], lambda v: v.lower() == "true"),
        "tags": tags,
    }


def owned(state):
    return returned(state, OWNED)


def plan(desired, current, desired_tags, purge_tags):
    """What must be done to go from ``current`` (None: absent) to ``desired``.

    Returns ``create``, ``changed``, ``replace`` (immutable fields that differ: the run must fail),
    ``fields`` (owned fields to write, in ``OWNED`` order; on creation only the attributes, which
    ``create_load_balancer`` does not take), ``attributes`` (AWS key -> value to set),
    ``tags_to_set`` / ``tags_to_remove`` and ``before`` / ``after``. Pure: no AWS call.
    """
    create = current is None
    before = None if create else dict(owned(current), tags=current.get("tags") or {})
    fields, to_set, to_remove, after = owned_changes(desired, before, desired_tags, purge_tags)
    if create:
        for key, value in CREATION_DEFAULTS.items():
            after.setdefault(key, value)
        # Only attributes that differ from what a new load balancer gets need a second call.
        fields = [f for f in fields if f in ATTRIBUTES and not (f in CREATION_DEFAULTS and after[f] == CREATION_DEFAULTS[f])]
    replace = [] if create else [field for field in fields if field in IMMUTABLE]
    attributes = {ATTRIBUTES[field]: after[field] for field in fields if field in ATTRIBUTES}
    return {
        "create": create,
        "changed": create or bool(fields or to_set or to_remove),
        "replace": replace,
        "fields": [field for field in fields if field not in ATTRIBUTES],
        "attributes": attributes,
        "tags_to_set": to_set,
        "tags_to_remove": to_remove,
        "before": before or {},
        "after": after,
    }


def deletion_plan(current, deletion_protection):
    """For ``state=absent``: (attributes to set before deleting, or an error message)."""
    if current.get("deletion_protection") is not True:
        return {}, None
    if deletion_protection is False:
        return {ATTRIBUTES["deletion_protection"]: False}, None
    return None, (
        f"Load balancer {current['load_balancer_name']} has deletion protection; give deletion_protection: false "
        "with state: absent to turn it off and delete it"
    )


class LoadBalancer(NamedElbv2Resource):
    """The application load balancer ``name``."""

    kind = "load balancer"
    elbv2_kind = "load_balancer"
    owned_keys = OWNED
    identity = IDENTITY

    def current_state(self, balancer, attributes, tags):
        if balancer.get("Type") != "application":
            self.module.fail_json(msg=f"Load balancer {self.name} is a {balancer.get('Type')} load balancer, not an application one")
        return current_state(balancer, attributes, tags)

    def plan(self, current):
        desired = desired_state(self.params)
        decision = plan(desired, current, self.params["tags"], self.params["purge_tags"])
        if decision["replace"]:
            changes = ", ".join(f"{f} ({decision['before'].get(f)!r} -> {desired[f]!r})" for f in decision["replace"])
            decision["problem"] = f"Load balancer {self.name} must be replaced to change {changes}: AWS cannot change it in place"
        elif decision["create"] and not desired["subnets"]:
            decision["problem"] = f"subnets are required to create load balancer {self.name}"
        return decision

    def apply(self, decision, current):
        after = decision["after"]
        state = dict(current or {}, **after)
        if decision["create"]:
            request = {"Name": self.name, "Type": "application", "Scheme": after["scheme"], "Subnets": after["subnets"],
                       "IpAddressType": after["ip_address_type"]}
            if after.get("security_groups"):
                request["SecurityGroups"] = after["security_groups"]
            request.update(self.tags.create_argument(after["tags"]))
            created = self.aws.call(f"create {self.what}", "create_load_balancer", exists=None, **request)
            if created is None:   # another run created it meanwhile with other settings: converged like an existing one
                return CHANGED_MEANWHILE
            balancer = created["LoadBalancers"][0]
            state.update({key: value for key, value in current_state(balancer, {}, after["tags"]).items() if key in IDENTITY})
        arn = state["load_balancer_arn"]
        for field in decision["fields"]:
            self.write(arn, field, after[field])
        if decision["attributes"]:
            self.set_attributes(arn, decision["attributes"])
        if not decision["create"]:
            self.retag(arn, decision)
        if self.params["wait"] and (decision["create"] or "subnets" in decision["fields"]):
            self.wait(arn, "load_balancer_available")
            state["state"] = "active"
        return state

    def write(self, arn, field, value):
        action = f"update {field} of load balancer {arn}"
        if field == "subnets":
            self.aws.call(action, "set_subnets", LoadBalancerArn=arn, Subnets=value)
        elif field == "security_groups":
            self.aws.call(action, "set_security_groups", LoadBalancerArn=arn, SecurityGroups=value)
        elif field == "ip_address_type":
            self.aws.call(action, "set_ip_address_type", LoadBalancerArn=arn, IpAddressType=value)

    def wait(self, arn, waiter_name):
        self.aws.wait(waiter_name, f"load balancer {arn}", self.params["wait_timeout"], 15, LoadBalancerArns=[arn])

    def deletion_problem(self, current):
        return deletion_plan(current, self.params["deletion_protection"])[1]

    def delete(self, current):
        arn = current["load_balancer_arn"]
        attributes = deletion_plan(current, self.params["deletion_protection"])[0]
        if attributes:
            self.set_attributes(arn, attributes)
        self.aws.call(f"delete load balancer {arn}", "delete_load_balancer", missing=None, LoadBalancerArn=arn)
        if self.params["wait"]:
            self.wait(arn, "load_balancers_deleted")


def main():
    run_module(LoadBalancer, "load_balancer", resource_argument_spec(
        scheme=dict(type="str", default="internet-facing", choices=["internet-facing", "internal"]),
        subnets=dict(type="list", elements="str"),
        security_groups=dict(type="list", elements="str"),
        ip_address_type=dict(type="str", choices=["ipv4", "dualstack"]),
        idle_timeout=dict(type="int"),
        deletion_protection=dict(type="bool"),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
    ))


if __name__ == "__main__":
    main()
