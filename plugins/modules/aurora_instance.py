#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: aurora_instance
version_added: 0.2.0
short_description: Ensure a DB instance of an Aurora cluster, such as its Serverless v2 writer or reader
description:
  - Creates, updates or deletes one DB instance that belongs to an Amazon Aurora DB cluster, with its
    instance class, promotion tier, public accessibility and tags. The cluster owns the engine version,
    the storage, the credentials, the network and the backups; the instance only adds compute.
  - Written instead of C(amazon.aws.rds_instance) 10.1.2 on the hot path of every converge. That module
    covers every kind of RDS instance and reads like it (a rerun crashed on C(DBSubnetGroup) when AWS
    omitted it unless the subnet group was given again), it returns no diff, and as a module of another
    collection it runs as a process of its own in every task (about 1 s each, twice per converge with a
    reader) where this one runs in Ansible's worker.
  - An existing instance of another cluster, or of another engine, fails with a message and is left as it
    is (AWS cannot move an instance between clusters).
  - Changes are applied at once (C(ApplyImmediately)). With O(wait), a new or changed instance is awaited
    until it is C(available), a deleted one until it is gone.
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same C(changed)
    and C(diff) that the real run would.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  db_instance_identifier:
    description: The instance's identifier.
    required: true
    type: str
    aliases: ["id"]
  db_cluster_identifier:
    description: The identifier of the Aurora cluster the instance belongs to. Required with O(state=present).
    type: str
  state:
    description: Whether the instance should exist.
    choices: ["present", "absent"]
    default: present
    type: str
  engine:
    description: The cluster's engine.
    type: str
    default: aurora-postgresql
  db_instance_class:
    description: The instance class; V(db.serverless) for Aurora Serverless v2.
    type: str
    default: db.serverless
  db_subnet_group_name:
    description:
      - The DB subnet group, sent when the instance is created (it must be the cluster's). Never compared.
    type: str
  promotion_tier:
    description: The order in which a reader is promoted to writer on failover (0 first, up to 15).
    type: int
  publicly_accessible:
    description: Whether the instance has a public address.
    type: bool
  wait:
    description: Wait until a created or changed instance is available, or a deleted one is gone.
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait at the most.
    type: int
    default: 2400
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the Serverless v2 writer instance
  nestjs_playground.infra.aurora_instance:
    db_instance_identifier: nestjs-playground-dev-writer
    db_cluster_identifier: nestjs-playground-dev
    promotion_tier: 0
    publicly_accessible: false
    tags:
      App: nestjs-playground

- name: Delete the reader instance
  nestjs_playground.infra.aurora_instance:
    db_instance_identifier: nestjs-playground-dev-reader
    state: absent
"""

RETURN = r"""
instance:
  description:
    - The instance as it is after the run (in check mode, as it would be). Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    db_instance_identifier:
      description: The instance's identifier.
      type: str
    db_cluster_identifier:
      description: Its cluster.
      type: str
    db_instance_class:
      description: Its class.
      type: str
    engine:
      description: Its engine.
      type: str
    promotion_tier:
      description: Its promotion tier.
      type: int
    publicly_accessible:
      description: Whether it has a public address.
      type: bool
    status:
      description: Its status (absent in check mode before it exists).
      type: str
    endpoint:
      description: Its own address (absent before AWS gives it one).
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

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import MISSING
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import changed_fields
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import make_diff
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import predicted_state
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_changes
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tags_after
from ansible_collections.nestjs_playground.infra.plugins.module_utils.throttling import jittered_backoff
from ansible_collections.nestjs_playground.infra.plugins.module_utils.throttling import wait_through_throttling

# The fields a change can modify in place, with the ModifyDBInstance parameter of each.
MODIFIABLE = {"db_instance_class": "DBInstanceClass", "promotion_tier": "PromotionTier", "publicly_accessible": "PubliclyAccessible"}
WAIT_DELAY = 15


def current_state(instance):
    """The owned fields of a DescribeDBInstances entry (None: no instance). Pure."""
    if instance is None:
        return None
    keys = {"db_cluster_identifier": "DBClusterIdentifier", "engine": "Engine", "db_instance_class": "DBInstanceClass",
            "promotion_tier": "PromotionTier", "publicly_accessible": "PubliclyAccessible"}
    return {field: instance.get(key, MISSING) for field, key in keys.items()}


def desired_state(params):
    return {
        "db_cluster_identifier": params["db_cluster_identifier"],
        "engine": params["engine"],
        "db_instance_class": params["db_instance_class"],
        "promotion_tier": params["promotion_tier"],
        "publicly_accessible": params["publicly_accessible"],
    }


def plan(desired, current, current_tags, desired_tags, purge_tags):
    """What must be done to go from ``current`` (None: no instance) to ``desired``. Pure.

    Returns ``problem`` (a message, when the instance belongs to another cluster or engine), ``create``,
    ``modify`` (ModifyDBInstance parameters), ``tags_to_set``, ``tags_to_remove``, ``before``, ``after``
    (the owned fields and tags) and ``changed``.
    """
    decision = {"problem": None, "create": current is None, "modify": {}, "tags_to_set": {}, "tags_to_remove": []}
    if current is not None:
        for field, what in (("db_cluster_identifier", "belongs to the DB cluster"), ("engine", "runs the engine")):
            if current.get(field) not in (None, MISSING, desired[field]):
                decision["problem"] = (
                    f"The instance {what} {current[field]}, not {desired[field]}, and AWS cannot change that: "
                    "delete it first, or give this one another identifier."
                )
        decision["modify"] = {MODIFIABLE[field]: desired[field] for field in changed_fields(desired, current) if field in MODIFIABLE}
        decision["tags_to_set"], decision["tags_to_remove"] = tag_changes(current_tags, desired_tags, purge_tags)
    before = {}
    if current is not None:
        before = {field: value for field, value in current.items() if value is not MISSING}
        before["tags"] = current_tags or {}
    after = predicted_state(desired, current)
    after["tags"] = tags_after(current_tags if current is not None else {}, desired_tags, purge_tags)
    decision.update(
        before=before, after=after,
        changed=decision["create"] or bool(decision["modify"] or decision["tags_to_set"] or decision["tags_to_remove"]),
    )
    return decision


def view(identifier, after, instance):
    result = {"db_instance_identifier": identifier}
    result.update(after)
    if instance:
        result.update(status=instance.get("DBInstanceStatus"), arn=instance.get("DBInstanceArn"))
        if (instance.get("Endpoint") or {}).get("Address"):
            result["endpoint"] = instance["Endpoint"]["Address"]
    return result


class Instances:
    """The RDS calls of this module, each retried with jittered backoff on throttling."""

    def __init__(self, module):
        self.module = module
        self.rds = module.client("rds", retry_decorator=jittered_backoff())

    def _fail(self, e, what):
        self.module.fail_json_aws(e, msg=f"Unable to {what} DB instance {self.module.params['db_instance_identifier']}")

    def describe(self, identifier):
        """(the instance, its tags); (None, {}) when there is none."""
        try:
            found = self.rds.describe_db_instances(aws_retry=True, DBInstanceIdentifier=identifier)["DBInstances"]
        except is_boto3_error_code("DBInstanceNotFound"):
            return None, {}
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "describe")
        if not found:
            return None, {}
        instance = found[0]
        if "TagList" in instance:   # DescribeDBInstances returns the tags; ask only when it did not
            return instance, boto3_tag_list_to_ansible_dict(instance["TagList"])
        try:
            tags = self.rds.list_tags_for_resource(aws_retry=True, ResourceName=instance["DBInstanceArn"]).get("TagList", [])
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self._fail(e, "read the tags of")
        return instance, boto3_tag_list_to_ansible_dict(tags)

    def create(self, identifier, desired, subnet_group, tags):
        request = {
            "DBInstanceIdentifier": identifier, "DBClusterIdentifier": desired["db_cluster_identifier"],
            "Engine": desired["engine"], "DBInstanceClass": desired["db_instance_class"],
            "Tags": ansible_dict_to_boto3_tag_list(tags or {}),
        }
        if subnet_group:
            request["DBSubnetGroupName"] = subnet_group
        for field in ("promotion_tier", "publicly_accessible"):
            if desired[field] is not None:
                request[MODIFIABLE[field]] = desired[field]
        try:
            self.rds.create_db_instance(aws_retry=True, **request)
        except is_boto3_error_code("DBInstanceAlreadyExists"):
            return False   # another run created it meanwhile: converged like an existing one
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "create")
        return True

    def modify(self, identifier, changes):
        try:
            self.rds.modify_db_instance(aws_retry=True, DBInstanceIdentifier=identifier, ApplyImmediately=True, **changes)
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

    def delete(self, identifier):
        try:
            # An Aurora instance keeps no final snapshot of its own: the cluster's backups are the data's.
            self.rds.delete_db_instance(aws_retry=True, DBInstanceIdentifier=identifier, SkipFinalSnapshot=True)
        except is_boto3_error_code("DBInstanceNotFound"):
            return
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "delete")

    def wait(self, identifier, waiter_name):
        timeout = self.module.params["wait_timeout"]
        try:
            wait_through_throttling(
                self.rds.get_waiter(waiter_name), DBInstanceIdentifier=identifier,
                WaiterConfig={"Delay": WAIT_DELAY, "MaxAttempts": max(1, timeout // WAIT_DELAY)},
            )
        except botocore.exceptions.WaiterError as e:
            self.module.fail_json_aws(e, msg=f"DB instance {identifier} did not become {waiter_name.split('_')[-1]} within {timeout} s")


def ensure_absent(module, instances, identifier, instance, tags):
    if instance is None:
        return {"changed": False, "instance": {}, "diff": make_diff({}, {})}
    before = plan(desired_state(module.params), current_state(instance), tags, None, False)["before"]
    if not module.check_mode:
        if instance.get("DBInstanceStatus") != "deleting":
            instances.delete(identifier)
        if module.params["wait"]:
            instances.wait(identifier, "db_instance_deleted")
    return {"changed": True, "instance": {}, "diff": make_diff(before, {})}


def ensure_present(module, instances, identifier, instance, tags):
    params = module.params
    desired = desired_state(params)
    decision = plan(desired, current_state(instance), tags, params["tags"], params["purge_tags"])
    if decision["problem"]:
        module.fail_json(msg=decision["problem"])
    if decision["changed"] and not module.check_mode:
        if decision["create"] and not instances.create(identifier, desired, params["db_subnet_group_name"], decision["after"]["tags"]):
            instance, tags = instances.describe(identifier)
            decision = plan(desired, current_state(instance), tags, params["tags"], params["purge_tags"])
            if decision["problem"]:
                module.fail_json(msg=decision["problem"])
        if decision["modify"]:
            instances.modify(identifier, decision["modify"])
        if decision["tags_to_set"] or decision["tags_to_remove"]:
            instances.retag(instance["DBInstanceArn"], decision["tags_to_set"], decision["tags_to_remove"])
        if params["wait"] and (decision["create"] or decision["modify"]):
            instances.wait(identifier, "db_instance_available")
        instance = instances.describe(identifier)[0]
    return {"changed": decision["changed"], "instance": view(identifier, decision["after"], instance),
            "diff": make_diff(decision["before"], decision["after"])}


def main():
    argument_spec = dict(
        db_instance_identifier=dict(type="str", required=True, aliases=["id"]),
        db_cluster_identifier=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        engine=dict(type="str", default="aurora-postgresql"),
        db_instance_class=dict(type="str", default="db.serverless"),
        db_subnet_group_name=dict(type="str"),
        promotion_tier=dict(type="int"),
        publicly_accessible=dict(type="bool"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=2400),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True,
                              required_if=[["state", "present", ["db_cluster_identifier"]]])
    instances = Instances(module)
    identifier = module.params["db_instance_identifier"]
    instance, tags = instances.describe(identifier)
    if module.params["state"] == "absent":
        result = ensure_absent(module, instances, identifier, instance, tags)
    else:
        result = ensure_present(module, instances, identifier, instance, tags)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
