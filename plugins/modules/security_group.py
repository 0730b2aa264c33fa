#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: security_group
version_added: 0.1.0
short_description: Ensure a VPC security group with exactly its ingress rules and its tags
description:
  - Creates, updates or deletes one EC2 security group of a VPC, found by its name, with exactly the ingress
    rules asked for and its tags. Egress rules are not managed - a new group keeps the allow-all egress rule AWS
    gives it.
  - An ingress rule may admit another group of the same VPC by its name. When that group does not exist yet, it
    is created empty with O(ingress[].source_group_description), so that two groups that admit each other can
    be converged in either order (the group's own role adds its rules and tags later).
  - Replaces C(amazon.aws.ec2_security_group) (10.1.2) for the groups of this collection's roles, for speed
    only (its results were correct). It sleeps a fixed 3 seconds after it creates a group, asks STS for the
    account id in every task, and reads each group three times on a run that changes nothing (12
    C(DescribeSecurityGroups) and 5 C(GetCallerIdentity) calls for the 4 groups of a converged environment,
    measured with the recording proxy, docs/performance.md). This module reads the group and the groups its
    rules name in one C(DescribeSecurityGroups) call, which returns their rules and tags too, and waits only
    when AWS has not yet made a new group visible.
  - A rule's description is updated in place (C(UpdateSecurityGroupRuleDescriptionsIngress)), so changing it never
    removes the rule, not even for a moment.
  - The description of an existing group cannot be changed (AWS has no call for it); a different one is
    reported as a warning.
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same C(changed) and
    C(diff) the real run would (a group the run would create shows its id as C(null)).
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  name:
    description:
      - The name of the security group, unique within the VPC.
    required: true
    type: str
  vpc_id:
    description:
      - The VPC the group belongs to.
    required: true
    type: str
  description:
    description:
      - The group's description. Required to create the group; AWS cannot change it afterwards.
    type: str
  state:
    description:
      - Whether the group should exist. Deleting a group that a network interface or another group's rule still
        uses fails with AWS's C(DependencyViolation).
    choices: ["present", "absent"]
    default: present
    type: str
  ingress:
    description:
      - The ingress rules the group should have. Each port of O(ingress[].ports) is a rule of its own.
      - When not given, the group's ingress rules are left alone.
    type: list
    elements: dict
    suboptions:
      protocol:
        description: The IP protocol; C(-1) admits every protocol and port.
        type: str
        default: tcp
        choices: ["tcp", "udp", "icmp", "-1"]
      ports:
        description: The ports admitted, one rule each. Required unless O(ingress[].protocol=-1).
        type: list
        elements: int
      cidr_ipv4:
        description: The IPv4 range admitted.
        type: str
      cidr_ipv6:
        description: The IPv6 range admitted.
        type: str
      source_group_id:
        description: The security group admitted, by its id.
        type: str
      source_group_name:
        description: The security group of the same VPC admitted, by its name.
        type: str
      source_group_description:
        description:
          - The description to create O(ingress[].source_group_name) with when it does not exist yet; without
            it, a missing group is an error.
        type: str
      description:
        description: The rule's description.
        type: str
  purge_ingress:
    description:
      - Whether ingress rules that are not in O(ingress) are revoked.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the load balancer's group admits HTTP and HTTPS from the internet
  nestjs_playground.infra.security_group:
    name: nestjs-playground-dev-alb
    description: nestjs-playground-dev internet-facing load balancer
    vpc_id: vpc-0123456789abcdef0
    ingress:
      - {ports: [80, 443], cidr_ipv4: 0.0.0.0/0, description: HTTP and HTTPS from the internet}
      - {ports: [80, 443], cidr_ipv6: "::/0", description: HTTP and HTTPS from the internet}
    tags:
      App: nestjs-playground
      Env: dev

- name: Ensure the database admits PostgreSQL from the application's group, created empty if need be
  nestjs_playground.infra.security_group:
    name: nestjs-playground-dev-db
    description: nestjs-playground-dev Aurora PostgreSQL
    vpc_id: vpc-0123456789abcdef0
    ingress:
      - ports: [5432]
        source_group_name: nestjs-playground-dev-app
        source_group_description: nestjs-playground-dev application tasks

- name: Delete a group
  nestjs_playground.infra.security_group:
    name: nestjs-playground-dev-scheduler
    vpc_id: vpc-0123456789abcdef0
    state: absent
"""

RETURN = r"""
group_id:
  description: The id of the group; null in check mode when the run would create it, and after O(state=absent).
  returned: always
  type: str
  sample: sg-0123456789abcdef0
group_name:
  description: The name of the group.
  returned: always
  type: str
vpc_id:
  description: The VPC of the group.
  returned: always
  type: str
description:
  description: The group's description.
  returned: when O(state=present)
  type: str
ingress:
  description:
    - The group's ingress rules after the run, one per port and source, sorted. Each has C(protocol),
      C(from_port), C(to_port), one of C(cidr_ipv4), C(cidr_ipv6), C(group_id), C(prefix_list_id), and
      C(description) (null when the rule has none). A group the run would create is named by
      C(group_name) instead of C(group_id) in check mode.
  returned: when O(state=present)
  type: list
  elements: dict
tags:
  description: The group's tags after the run.
  returned: when O(state=present)
  type: dict
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_security_groups
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import CHANGED_MEANWHILE
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Ec2Tags
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import ServiceCalls
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_plan
from ansible_collections.nestjs_playground.infra.plugins.module_utils.throttling import jittered_backoff
# The sources a rule can admit, as AWS lists them in an IpPermission and as this module names them.
SOURCES = (
    ("IpRanges", "CidrIp", "cidr_ipv4"),
    ("Ipv6Ranges", "CidrIpv6", "cidr_ipv6"),
    ("UserIdGroupPairs", "GroupId", "group_id"),
    ("PrefixListIds", "PrefixListId", "prefix_list_id"),
)
# How a rule names its source here: the kinds above, and a group of the VPC that does not exist yet (check mode).
SOURCE_KINDS = tuple(source[2] for source in SOURCES) + ("group_name",)
SOURCE_OPTIONS = ("cidr_ipv4", "cidr_ipv6", "source_group_id", "source_group_name")


def rule_key(rule):
    """What identifies a rule (its description aside): protocol, ports and source."""
    source = next((kind, rule[kind]) for kind in SOURCE_KINDS if rule.get(kind))
    return (rule["protocol"], rule.get("from_port"), rule.get("to_port")) + source


def sort_key(rule):
    """Rules sorted by source, then protocol and ports (numerically)."""
    protocol, from_port, to_port, kind, source = rule_key(rule)
    return (kind, source, protocol, -1 if from_port is None else from_port, -1 if to_port is None else to_port)


def rules_from_permissions(permissions):
    """AWS's IpPermissions as this module's rules: one per port range and source, sorted."""
    rules = []
    for permission in permissions or []:
        protocol = permission.get("IpProtocol")
        ports = {} if protocol == "-1" else {"from_port": permission.get("FromPort"), "to_port": permission.get("ToPort")}
        for list_key, id_key, kind in SOURCES:
            for source in permission.get(list_key) or []:
                rules.append(dict({"protocol": protocol}, **ports, **{kind: source[id_key]},
                                  description=source.get("Description") or None))
    return sorted(rules, key=sort_key)


def desired_rules(ingress, group_ids):
    """The rules asked for, one per port, with group names resolved through ``group_ids`` ({name: id or None}).

    A group that does not exist yet (id None: check mode, or before it is created) is named by ``group_name``.
    """
    rules = {}
    for entry in ingress:
        if entry.get("cidr_ipv4"):
            source = {"cidr_ipv4": entry["cidr_ipv4"]}
        elif entry.get("cidr_ipv6"):
            source = {"cidr_ipv6": entry["cidr_ipv6"]}
        elif entry.get("source_group_id"):
            source = {"group_id": entry["source_group_id"]}
        else:
            name = entry["source_group_name"]
            source = {"group_id": group_ids[name]} if group_ids.get(name) else {"group_name": name}
        if entry["protocol"] == "-1":
            port_ranges = [{}]
        else:
            port_ranges = [{"from_port": port, "to_port": port} for port in entry["ports"]]
        for ports in port_ranges:
            rule = dict({"protocol": entry["protocol"]}, **ports, **source, description=entry.get("description") or None)
            rules[rule_key(rule)] = rule   # the same rule asked twice is one rule
    return sorted(rules.values(), key=sort_key)


def plan_rules(current, desired, purge):
    """(rules to authorize, rules to revoke, rules whose description changes). Pure: no AWS call."""
    have = {rule_key(rule): rule for rule in current}
    want = {rule_key(rule): rule for rule in desired}
    authorize = [rule for key, rule in want.items() if key not in have]
    revoke = [rule for key, rule in have.items() if key not in want] if purge else []
    describe = [rule for key, rule in want.items() if key in have and have[key]["description"] != rule["description"]]
    return authorize, revoke, describe


def rules_after(current, desired, purge):
    """The group's rules once ``plan_rules`` has been applied."""
    want = {rule_key(rule): rule for rule in desired}
    kept = [] if purge else [rule for rule in current if rule_key(rule) not in want]
    return sorted(kept + list(want.values()), key=sort_key)


def permission(rule):
    """One rule as an IpPermission (group names must be resolved to ids first)."""
    result = {"IpProtocol": rule["protocol"]}
    if rule.get("from_port") is not None:
        result.update(FromPort=rule["from_port"], ToPort=rule["to_port"])
    for list_key, id_key, kind in SOURCES:
        if rule.get(kind):
            source = {id_key: rule[kind]}
            if rule.get("description"):
                source["Description"] = rule["description"]
            result[list_key] = [source]
    return result


def ingress_problem(ingress):
    """Why the rules cannot be converged (checked before any AWS call): a rule that names no source or more
    than one, or no ports; None when they can."""
    for index, entry in enumerate(ingress or []):
        named = [option for option in SOURCE_OPTIONS if entry.get(option)]
        if len(named) != 1:
            return f"ingress[{index}] must name exactly one of {', '.join(SOURCE_OPTIONS)}; it names {', '.join(named) or 'none'}"
        if entry["protocol"] != "-1" and not entry.get("ports"):
            return f"ingress[{index}] needs ports for protocol {entry['protocol']} (only -1 admits every port)"
    return None


class SecurityGroups(ServiceCalls):
    """The EC2 calls of this module; right after a group is created, the rules' calls also ride out the
    InvalidGroup.NotFound that AWS answers until the new group is visible."""

    def __init__(self, module):
        super().__init__(module, "ec2")
        # new_group_call(method, **request): a client call that also rides out a new group not yet visible.
        self.new_group_call = jittered_backoff(retries=10, delay=1, max_delay=10, catch_extra_error_codes=[
            "InvalidGroup.NotFound"])(lambda method, **request: getattr(self.client, method)(**request))

    def change_rules(self, group_id, authorize, revoke, describe):
        """Revokes, authorizes and re-describes rules. A rule another run revoked or authorized meanwhile (AWS then
        refuses the whole batch) is left as that run left it, and the rest of the batch is applied rule by rule."""
        with self.failing(f"change the ingress rules of security group {group_id}"):
            for method, rules, done_meanwhile in (
                ("revoke_security_group_ingress", [dict(r, description=None) for r in revoke], "InvalidPermission.NotFound"),
                ("authorize_security_group_ingress", authorize, "InvalidPermission.Duplicate"),
                ("update_security_group_rule_descriptions_ingress", describe, None),
            ):
                batches = [rules]
                while batches:
                    batch = batches.pop()
                    if not batch:
                        continue
                    try:
                        self.new_group_call(method, GroupId=group_id, IpPermissions=[permission(rule) for rule in batch])
                    except botocore.exceptions.ClientError as e:
                        if e.response.get("Error", {}).get("Code") != done_meanwhile:
                            raise
                        if len(batch) > 1:   # which rule it was, AWS does not say: one by one
                            batches.extend([rule] for rule in batch)


def state_of(group):
    """The owned fields of a group as AWS describes it."""
    return {"ingress": rules_from_permissions(group.get("IpPermissions")),
            "tags": boto3_tag_list_to_ansible_dict(group.get("Tags") or [])}


class SecurityGroup(Resource):
    """The security group ``name`` of the VPC ``vpc_id``, and the groups its rules name (``self.ids``: {name: id})."""

    tag_adapter = Ec2Tags
    kind = "security group"

    def __init__(self, module):
        super().__init__(module)
        self.vpc_id = self.params["vpc_id"]
        self.aws = SecurityGroups(module)
        self.tags = self.tag_adapter(self.aws)
        self.ids = {}

    def find(self, names):
        """{name: the group as AWS describes it} for those of ``names`` that exist in the VPC (one call)."""
        names = sorted(set(names))
        return find_security_groups(self.aws, self.vpc_id, names, f"describe the security groups {', '.join(names)} of {self.vpc_id}")

    def describe(self):
        names = [self.name]
        if self.params["state"] == "present":   # the groups the rules name, in the same call
            names += [entry["source_group_name"] for entry in self.params["ingress"] or [] if entry.get("source_group_name")]
        found = self.find(names)
        self.ids = {name: group["GroupId"] for name, group in found.items()}
        return found.get(self.name)

    def create(self, name, description, tags):
        """The new group's id; None when another run created it first (it is then converged instead)."""
        request = {"GroupName": name, "Description": description, "VpcId": self.vpc_id}
        if tags:
            request["TagSpecifications"] = [{"ResourceType": "security-group", "Tags": self.tags.tags_at_create(tags)}]
        created = self.aws.call(f"create security group {name} in {self.vpc_id}", "create_security_group", exists=None, **request)
        return created and created["GroupId"]

    def plan(self, current):
        params = self.params
        if current is None and not params["description"]:
            return {"problem": f"The security group {self.name} does not exist in {self.vpc_id}; description is required to create it"}
        warnings = []
        if current is not None and params["description"] and current.get("Description") != params["description"]:
            warnings.append(f"The security group {self.name} keeps its description {current.get('Description')!r}: AWS cannot "
                            f"change it to {params['description']!r} (delete the group and converge again to replace it)")
        sources = {}   # the groups the rules name that do not exist: {name: the description to create them with}
        for entry in params["ingress"] or []:
            name = entry.get("source_group_name")
            if not name or name in self.ids or name in sources:
                continue
            if not entry.get("source_group_description"):
                return {"problem": f"The security group {name} that a rule of {self.name} admits does not exist in {self.vpc_id}; "
                                   "give source_group_description to create it"}
            sources[name] = entry["source_group_description"]

        before = state_of(current) if current is not None else {}
        current_rules = before.get("ingress", [])
        if params["ingress"] is None:
            wanted, purge = current_rules, False
        else:
            wanted, purge = desired_rules(params["ingress"], self.ids), params["purge_ingress"]
        authorize, revoke, describe = plan_rules(current_rules, wanted, purge)
        to_set, to_remove, tags = tag_plan(before.get("tags", {}), params["tags"], params["purge_tags"], exists=current is not None)
        after = {"ingress": rules_after(current_rules, wanted, purge), "tags": tags}
        return {"sources": sources, "authorize": authorize, "revoke": revoke, "describe": describe, "tags_to_set": to_set,
                "tags_to_remove": to_remove, "before": before, "after": after, "warnings": warnings,
                "changed": current is None or bool(sources or authorize or revoke or describe or to_set or to_remove)}

    def apply(self, decision, current):
        if decision["sources"]:
            for name, description in decision["sources"].items():
                self.ids[name] = self.create(name, description, None) or self.find([name])[name]["GroupId"]
            # The rules name the groups just created by their ids: in the calls, the result and the diff.
            decision.update(self.plan(current))
        group_id = current["GroupId"] if current is not None else None
        if current is None:
            group_id = self.create(self.name, self.params["description"], decision["after"]["tags"])
            if group_id is None:
                self.module.warn(f"The security group {self.name} was created by another run meanwhile; converging it")
                return CHANGED_MEANWHILE
        self.aws.change_rules(group_id, decision["authorize"], decision["revoke"], decision["describe"])
        self.retag(group_id, decision, f"security group {group_id}")
        return dict(current or {}, GroupId=group_id)

    def owned(self, current):
        return state_of(current)

    def delete(self, current):
        group_id = current["GroupId"]
        self.aws.call(f"delete security group {group_id}", "delete_security_group", missing=None, GroupId=group_id)

    def result(self, decision, state):
        return {"group_id": (state or {}).get("GroupId"), "group_name": self.name, "vpc_id": self.vpc_id,
                "description": (state or {}).get("Description", self.params["description"]),
                "ingress": decision["after"]["ingress"], "tags": decision["after"]["tags"]}

    @staticmethod
    def parameters_problem(params):
        return ingress_problem(params["ingress"])

    def returned(self, result):
        """The group's fields at the top level of the result (none but its name and VPC once it is deleted)."""
        group = result.pop("security_group") or {"group_id": None, "group_name": self.name, "vpc_id": self.vpc_id}
        return dict(result, **group)


def main():
    run_module(SecurityGroup, "security_group", resource_argument_spec(
        vpc_id=dict(type="str", required=True),
        description=dict(type="str"),
        ingress=dict(type="list", elements="dict", options=dict(
            protocol=dict(type="str", default="tcp", choices=["tcp", "udp", "icmp", "-1"]),
            ports=dict(type="list", elements="int"),
            cidr_ipv4=dict(type="str"),
            cidr_ipv6=dict(type="str"),
            source_group_id=dict(type="str"),
            source_group_name=dict(type="str"),
            source_group_description=dict(type="str"),
            description=dict(type="str"),
        )),
        purge_ingress=dict(type="bool", default=True),
    ))


if __name__ == "__main__":
    main()
