#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: db_subnet_group
version_added: 0.2.0
short_description: Ensure an Amazon RDS DB subnet group spans exactly the subnets asked for
description:
  - Creates, updates or deletes one Amazon RDS DB subnet group, with its description, its subnets and its tags.
  - Written instead of C(amazon.aws.rds_subnet_group) 10.1.2 on the hot path of every converge. As a module
    of another collection it runs as a process of its own in every task (about 1 s here) where this one runs
    in Ansible's worker, and it returns no diff.
  - The subnets are compared as a set (AWS lists them in no particular order). A group that a DB cluster or
    instance still uses cannot be deleted; AWS refuses and the module reports it.
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same C(changed) and
    C(diff) that the real run would.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  name:
    description: The name of the DB subnet group (AWS keeps it in lower case).
    required: true
    type: str
  state:
    description: Whether the group should exist.
    choices: ["present", "absent"]
    default: present
    type: str
  description:
    description: The group's description. Required with O(state=present).
    type: str
  subnets:
    description: The ids of the subnets, in two Availability Zones at least. Required with O(state=present).
    type: list
    elements: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the DB subnet group spans the private subnets
  nestjs_playground.infra.db_subnet_group:
    name: nestjs-playground-dev-db
    description: nestjs-playground-dev Aurora PostgreSQL (private subnets)
    subnets: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]
    tags:
      App: nestjs-playground

- name: Delete it
  nestjs_playground.infra.db_subnet_group:
    name: nestjs-playground-dev-db
    state: absent
"""

RETURN = r"""
subnet_group:
  description: The group as it is after the run (in check mode, as it would be). Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: The group's name.
      type: str
    description:
      description: Its description.
      type: str
    subnet_ids:
      description: Its subnets, sorted.
      type: list
      elements: str
    vpc_id:
      description: The VPC of its subnets (absent in check mode before it exists).
      type: str
    arn:
      description: Its ARN (absent in check mode before it exists).
      type: str
    tags:
      description: Its tags.
      type: dict
"""

from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import CHANGED_MEANWHILE
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_plan


def current_state(group):
    """The owned fields of a DescribeDBSubnetGroups entry (None: no group). Pure."""
    if group is None:
        return None
    return {
        "description": group.get("DBSubnetGroupDescription"),
        "subnet_ids": sorted(subnet["SubnetIdentifier"] for subnet in group.get("Subnets") or []),
    }


def plan(description, subnets, current, current_tags, desired_tags, purge_tags):
    """What must be done to go from ``current`` (None: no group) to ``description`` and ``subnets``. Pure.

    Returns ``create``, ``modify`` (the description or the subnets differ), ``tags_to_set``,
    ``tags_to_remove``, ``before``, ``after`` and ``changed``.
    """
    desired = {"description": description, "subnet_ids": sorted(set(subnets or []))}
    to_set, to_remove, tags = tag_plan(current_tags, desired_tags, purge_tags, exists=current is not None)
    before = {} if current is None else dict(current, tags=current_tags or {})
    after = dict(desired, tags=tags)
    modify = current is not None and current != desired
    return {
        "create": current is None, "modify": modify, "tags_to_set": to_set, "tags_to_remove": to_remove,
        "before": before, "after": after, "changed": current is None or modify or bool(to_set or to_remove),
    }


class SubnetGroup(Resource):
    """The DB subnet group ``name`` (AWS stores and answers the name in lower case)."""

    service = "rds"
    kind = "DB subnet group"

    def __init__(self, module):
        super().__init__(module)
        self.name = self.params["name"].lower()   # AWS stores and answers the name in lower case
        self.what = f"{self.kind} {self.name}"

    def describe(self):
        """{group (as described), owned (its owned fields), tags}, or None when there is none."""
        found = self.aws.call(f"describe {self.what}", "describe_db_subnet_groups", missing={},
                              DBSubnetGroupName=self.name).get("DBSubnetGroups")
        if not found:
            return None
        return {"group": found[0], "owned": current_state(found[0]),
                "tags": self.tags.read(found[0]["DBSubnetGroupArn"], self.what)}

    def plan(self, current):
        params = self.params
        return plan(params["description"], params["subnets"], (current or {}).get("owned"), (current or {}).get("tags", {}),
                    params["tags"], params["purge_tags"])

    def apply(self, decision, current):
        after = decision["after"]
        if decision["create"]:
            created = self.aws.call(f"create {self.what}", "create_db_subnet_group", exists=None, DBSubnetGroupName=self.name,
                                    DBSubnetGroupDescription=after["description"], SubnetIds=after["subnet_ids"],
                                    Tags=self.tags.tags_at_create(after["tags"]))
            if created is None:   # another run created it meanwhile: converged like an existing one
                return CHANGED_MEANWHILE
        if decision["modify"]:
            self.aws.call(f"modify {self.what}", "modify_db_subnet_group", DBSubnetGroupName=self.name,
                          DBSubnetGroupDescription=after["description"], SubnetIds=after["subnet_ids"])
        if current is not None:
            self.retag(current["group"]["DBSubnetGroupArn"], decision)
        return self.describe() if decision["create"] or decision["modify"] else current

    def delete(self, current):
        self.aws.call(f"delete {self.what} (a DB cluster or instance that still uses it keeps it)", "delete_db_subnet_group",
                      missing=None, DBSubnetGroupName=self.name)

    def result(self, decision, state):
        result = dict(decision["after"], name=self.name)
        if state:
            result.update(vpc_id=state["group"].get("VpcId"), arn=state["group"].get("DBSubnetGroupArn"))
        return result


def main():
    run_module(SubnetGroup, "subnet_group", resource_argument_spec(
        description=dict(type="str"),
        subnets=dict(type="list", elements="str"),
    ), required_if=[["state", "present", ["description", "subnets"]]])


if __name__ == "__main__":
    main()
