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

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import make_diff
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_changes
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tags_after
from ansible_collections.nestjs_playground.infra.plugins.module_utils.throttling import jittered_backoff


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
    to_set, to_remove = ({}, []) if current is None else tag_changes(current_tags, desired_tags, purge_tags)
    before = {} if current is None else dict(current, tags=current_tags or {})
    after = dict(desired, tags=tags_after(current_tags if current is not None else {}, desired_tags, purge_tags))
    modify = current is not None and current != desired
    return {
        "create": current is None, "modify": modify, "tags_to_set": to_set, "tags_to_remove": to_remove,
        "before": before, "after": after, "changed": current is None or modify or bool(to_set or to_remove),
    }


class SubnetGroups:
    """The RDS calls of this module, each retried with jittered backoff on throttling."""

    def __init__(self, module):
        self.module = module
        self.rds = module.client("rds", retry_decorator=jittered_backoff())

    def _fail(self, e, what):
        self.module.fail_json_aws(e, msg=f"Unable to {what} DB subnet group {self.module.params['name']}")

    def describe(self, name):
        """(the group, its tags); (None, {}) when there is none."""
        try:
            found = self.rds.describe_db_subnet_groups(aws_retry=True, DBSubnetGroupName=name)["DBSubnetGroups"]
        except is_boto3_error_code("DBSubnetGroupNotFoundFault"):
            return None, {}
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "describe")
        if not found:
            return None, {}
        try:
            tags = self.rds.list_tags_for_resource(aws_retry=True, ResourceName=found[0]["DBSubnetGroupArn"]).get("TagList", [])
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self._fail(e, "read the tags of")
        return found[0], boto3_tag_list_to_ansible_dict(tags)

    def create(self, name, after):
        try:
            self.rds.create_db_subnet_group(
                aws_retry=True, DBSubnetGroupName=name, DBSubnetGroupDescription=after["description"],
                SubnetIds=after["subnet_ids"], Tags=ansible_dict_to_boto3_tag_list(after["tags"]),
            )
        except is_boto3_error_code("DBSubnetGroupAlreadyExists"):
            return False   # another run created it meanwhile: converged like an existing one
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "create")
        return True

    def modify(self, name, after):
        try:
            self.rds.modify_db_subnet_group(aws_retry=True, DBSubnetGroupName=name,
                                            DBSubnetGroupDescription=after["description"], SubnetIds=after["subnet_ids"])
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self._fail(e, "modify")

    def retag(self, arn, to_set, to_remove):
        try:
            if to_remove:
                self.rds.remove_tags_from_resource(aws_retry=True, ResourceName=arn, TagKeys=to_remove)
            if to_set:
                self.rds.add_tags_to_resource(aws_retry=True, ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(to_set))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self._fail(e, "tag")

    def delete(self, name):
        try:
            self.rds.delete_db_subnet_group(aws_retry=True, DBSubnetGroupName=name)
        except is_boto3_error_code("DBSubnetGroupNotFoundFault"):
            return
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "delete (a DB cluster or instance that still uses it keeps it)")


def view(name, after, group):
    result = dict(after, name=name)
    if group:
        result.update(vpc_id=group.get("VpcId"), arn=group.get("DBSubnetGroupArn"))
    return result


def ensure_absent(module, groups, name, group, tags):
    if group is None:
        return {"changed": False, "subnet_group": {}, "diff": make_diff({}, {})}
    if not module.check_mode:
        groups.delete(name)
    return {"changed": True, "subnet_group": {}, "diff": make_diff(dict(current_state(group), tags=tags), {})}


def ensure_present(module, groups, name, group, tags):
    params = module.params
    decision = plan(params["description"], params["subnets"], current_state(group), tags, params["tags"], params["purge_tags"])
    if decision["changed"] and not module.check_mode:
        if decision["create"] and not groups.create(name, decision["after"]):
            group, tags = groups.describe(name)
            decision = plan(params["description"], params["subnets"], current_state(group), tags, params["tags"], params["purge_tags"])
        if decision["modify"]:
            groups.modify(name, decision["after"])
        if decision["tags_to_set"] or decision["tags_to_remove"]:
            groups.retag(group["DBSubnetGroupArn"], decision["tags_to_set"], decision["tags_to_remove"])
        if decision["create"] or decision["modify"]:
            group = groups.describe(name)[0]
    return {"changed": decision["changed"], "subnet_group": view(name, decision["after"], group),
            "diff": make_diff(decision["before"], decision["after"])}


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        description=dict(type="str"),
        subnets=dict(type="list", elements="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True,
                              required_if=[["state", "present", ["description", "subnets"]]])
    groups = SubnetGroups(module)
    name = module.params["name"].lower()   # AWS stores and answers the name in lower case
    group, tags = groups.describe(name)
    if module.params["state"] == "absent":
        result = ensure_absent(module, groups, name, group, tags)
    else:
        result = ensure_present(module, groups, name, group, tags)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
