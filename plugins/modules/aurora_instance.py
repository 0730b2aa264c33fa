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

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import MISSING
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import changed_fields
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import predicted_state
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import returned
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import CHANGED_MEANWHILE
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_plan

# The owned fields, with the name DescribeDBInstances, CreateDBInstance and ModifyDBInstance give each.
FIELDS = {"db_cluster_identifier": "DBClusterIdentifier", "engine": "Engine", "db_instance_class": "DBInstanceClass",
          "promotion_tier": "PromotionTier", "publicly_accessible": "PubliclyAccessible"}
# The fields a change can modify in place.
MODIFIABLE = {field: FIELDS[field] for field in ("db_instance_class", "promotion_tier", "publicly_accessible")}
WAIT_DELAY = 15


def current_state(instance):
    """The owned fields of a DescribeDBInstances entry (None: no instance). Pure."""
    return None if instance is None else {field: instance.get(key, MISSING) for field, key in FIELDS.items()}


def desired_state(params):
    return {field: params[field] for field in FIELDS}


def plan(desired, current, current_tags, desired_tags, purge_tags):
    """What must be done to go from ``current`` (None: no instance) to ``desired``. Pure.

    Returns ``problem`` (a message, when the instance belongs to another cluster or engine), ``create``,
    ``modify`` (ModifyDBInstance parameters), ``tags_to_set``, ``tags_to_remove``, ``before``, ``after``
    (the owned fields and tags) and ``changed``.
    """
    to_set, to_remove, tags = tag_plan(current_tags, desired_tags, purge_tags, exists=current is not None)
    decision = {"problem": None, "create": current is None, "modify": {}, "tags_to_set": to_set, "tags_to_remove": to_remove}
    if current is not None:
        for field, what in (("db_cluster_identifier", "belongs to the DB cluster"), ("engine", "runs the engine")):
            if current.get(field) not in (None, MISSING, desired[field]):
                decision["problem"] = (
                    f"The instance {what} {current[field]}, not {desired[field]}, and AWS cannot change that: "
                    "delete it first, or give this one another identifier."
                )
        decision["modify"] = {MODIFIABLE[field]: desired[field] for field in changed_fields(desired, current) if field in MODIFIABLE}
    before = {}
    if current is not None:
        before = returned(current)
        before["tags"] = current_tags or {}
    after = predicted_state(desired, current)
    after["tags"] = tags
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


class Instance(Resource):
    """The Aurora DB instance ``db_instance_identifier``, member of one cluster."""

    service = "rds"
    kind = "DB instance"
    name_option = "db_instance_identifier"

    def describe(self):
        """{instance (as described), tags}, or None when there is none."""
        found = self.aws.call(f"describe {self.what}", "describe_db_instances", missing={},
                              DBInstanceIdentifier=self.name).get("DBInstances")
        if not found:
            return None
        instance = found[0]
        if "TagList" in instance:   # DescribeDBInstances returns the tags; ask only when it did not
            return {"instance": instance, "tags": self.tags.from_aws(instance)}
        return {"instance": instance, "tags": self.tags.read(instance["DBInstanceArn"], self.what)}

    def plan(self, current):
        current = current or {}
        return plan(desired_state(self.params), current_state(current.get("instance")), current.get("tags", {}),
                    self.params["tags"], self.params["purge_tags"])

    def owned(self, current):
        return plan(desired_state(self.params), current_state(current["instance"]), current["tags"], None, False)["before"]

    def apply(self, decision, current):
        desired = desired_state(self.params)
        if decision["create"]:
            request = dict({FIELDS[field]: value for field, value in desired.items() if value is not None},
                           DBInstanceIdentifier=self.name, Tags=self.tags.tags_at_create(decision["after"]["tags"] or {}))
            if self.params["db_subnet_group_name"]:
                request["DBSubnetGroupName"] = self.params["db_subnet_group_name"]
            if self.aws.call(f"create {self.what}", "create_db_instance", exists=None, **request) is None:
                return CHANGED_MEANWHILE   # another run created it meanwhile: converged like an existing one
        if decision["modify"]:
            self.aws.call(f"modify {self.what}", "modify_db_instance", DBInstanceIdentifier=self.name,
                          ApplyImmediately=True, **decision["modify"])
        if current is not None:
            self.retag(current["instance"]["DBInstanceArn"], decision)
        if self.params["wait"] and (decision["create"] or decision["modify"]):
            self.wait("db_instance_available")
        return self.describe()

    def delete(self, current):
        if current["instance"].get("DBInstanceStatus") != "deleting":
            # An Aurora instance keeps no final snapshot of its own: the cluster's backups are the data's.
            self.aws.call(f"delete {self.what}", "delete_db_instance", missing=None, DBInstanceIdentifier=self.name,
                          SkipFinalSnapshot=True)
        if self.params["wait"]:
            self.wait("db_instance_deleted")

    def wait(self, waiter_name):
        self.aws.wait(waiter_name, f"DB instance {self.name}", self.params["wait_timeout"], WAIT_DELAY,
                      DBInstanceIdentifier=self.name)

    def result(self, decision, state):
        return view(self.name, decision["after"], (state or {}).get("instance"))


def main():
    run_module(Instance, "instance", resource_argument_spec(
        db_instance_identifier=dict(type="str", required=True, aliases=["id"]),
        db_cluster_identifier=dict(type="str"),
        engine=dict(type="str", default="aurora-postgresql"),
        db_instance_class=dict(type="str", default="db.serverless"),
        db_subnet_group_name=dict(type="str"),
        promotion_tier=dict(type="int"),
        publicly_accessible=dict(type="bool"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=2400),
        name_option="db_instance_identifier",
    ), required_if=[["state", "present", ["db_cluster_identifier"]]])


if __name__ == "__main__":
    main()
