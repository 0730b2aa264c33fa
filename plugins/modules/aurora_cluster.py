#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: aurora_cluster
version_added: 0.1.0
short_description: Ensure an Aurora cluster with Serverless v2 scaling, including scale to zero with automatic pause
description:
  - Creates, updates or deletes one Amazon Aurora DB cluster and converges, in one call, the settings
    the Database stack owns - engine version, backups, deletion protection, copy of tags to
    snapshots, security groups, tags, and the Serverless v2 scaling configuration (minimum and
    maximum ACUs, and C(SecondsUntilAutoPause) when the minimum is 0).
  - Written instead of using C(amazon.aws.rds_cluster) plus a scaling-only module, because
    C(amazon.aws.rds_cluster) 10.1 has three defects for this stack - it reports a change on every run
    when O(vpc_security_group_ids) is given with its default C(purge_security_groups) (measured against
    the local endpoint), it cannot set C(SecondsUntilAutoPause), and it takes the master password as an
    argument, so the password would pass through Ansible. This module reads the cluster once, compares
    every owned field (numbers as numbers), modifies only what differs, and reads the master password
    from a Secrets Manager secret itself, only when it creates the cluster.
  - Fields AWS cannot change on an existing cluster (database name, master user name, subnet group,
    storage encryption, KMS key) are set at creation; a different value later fails with a message
    that names the field instead of being silently ignored.
  - An engine version older than the cluster's (AWS applied a minor upgrade) is not a change.
  - With O(state=absent), a cluster with deletion protection is only deleted when
    O(deletion_protection=false) is given (it is turned off first); otherwise the module fails before
    any change, in check mode too. A final snapshot is taken unless O(skip_final_snapshot=true).
  - Supports check mode and diff mode; waits (optionally, with a timeout) until the cluster is
    C(available) again; retries throttling with jittered backoff.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  db_cluster_identifier:
    description: The cluster identifier.
    required: true
    type: str
    aliases: [id]
  state:
    description: Whether the cluster should exist.
    choices: ["present", "absent"]
    default: present
    type: str
  engine:
    description: The engine.
    type: str
    default: aurora-postgresql
  engine_version:
    description: The engine version; an existing cluster is upgraded to it when it is newer.
    type: str
  allow_major_version_upgrade:
    description: Allow O(engine_version) to be a new major version on an existing cluster.
    type: bool
    default: false
  database_name:
    description: The database created with the cluster (creation only).
    type: str
  master_username:
    description: The master user name (creation only).
    type: str
  master_user_password_secret_arn:
    description:
      - ARN or name of a Secrets Manager secret whose JSON value has a C(password) key; read only when
        the cluster is created. Required to create a cluster.
    type: str
  db_subnet_group_name:
    description: The DB subnet group (creation only).
    type: str
  vpc_security_group_ids:
    description: The security groups, compared as a set.
    type: list
    elements: str
  storage_encrypted:
    description: Encrypt the storage (creation only).
    type: bool
    default: true
  kms_key_id:
    description:
      - The KMS key for storage encryption (creation only), as a key id, key ARN, alias or alias ARN;
        the account's RDS key when not given. It is resolved to the key's ARN before comparing.
    type: str
  port:
    description: The port the cluster listens on; the engine's default when not given.
    type: int
  backup_retention_period:
    description: Days automated backups are kept (1-35).
    type: int
  preferred_backup_window:
    description: The daily backup window, C(hh24:mi-hh24:mi) in UTC.
    type: str
  deletion_protection:
    description:
      - Whether the cluster can be deleted.
      - With O(state=absent), V(false) turns protection off before the deletion.
    type: bool
  copy_tags_to_snapshot:
    description: Copy the cluster's tags to its snapshots.
    type: bool
  db_cluster_parameter_group_name:
    description: The cluster parameter group.
    type: str
  min_capacity:
    description:
      - Serverless v2 minimum capacity in ACUs, 0 to 256 in steps of 0.5; 0 lets the cluster pause.
      - Required with O(max_capacity) to create a cluster.
    type: float
  max_capacity:
    description: Serverless v2 maximum capacity in ACUs, 1 to 256 in steps of 0.5.
    type: float
  seconds_until_auto_pause:
    description:
      - Seconds without connections after which a cluster with O(min_capacity=0) pauses (300-86400).
      - Ignored unless O(min_capacity=0).
    type: int
    default: 300
  apply_immediately:
    description: Apply modifications now rather than in the next maintenance window.
    type: bool
    default: true
  wait:
    description: Wait until the cluster is C(available) after a change (or gone, for O(state=absent)).
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait.
    type: int
    default: 1800
  skip_final_snapshot:
    description: With O(state=absent), delete without a final snapshot.
    type: bool
    default: false
  final_snapshot_identifier:
    description:
      - With O(state=absent) and O(skip_final_snapshot=false), the final snapshot's identifier;
        C(<db_cluster_identifier>-final-<UTC time>) when not given.
    type: str
  instances_deleted_first:
    description:
      - With O(state=absent), the identifiers of the cluster's instances that earlier tasks of the same
        run delete.
      - Check mode deletes nothing, so those instances are still members when this task predicts the
        deletion of the cluster; they are not counted then, and any other member still makes check mode
        fail as the real run would. The real run counts every member.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the Aurora Serverless v2 PostgreSQL cluster, pausing when idle
  nestjs_playground.infra.aurora_cluster:
    db_cluster_identifier: nestjs-playground-dev
    engine_version: "17.5"
    database_name: nestjs_playground
    master_username: postgres
    master_user_password_secret_arn: nestjs-playground-dev-db-credentials
    db_subnet_group_name: nestjs-playground-dev-db
    vpc_security_group_ids: [sg-0123456789abcdef0]
    backup_retention_period: 1
    deletion_protection: false
    copy_tags_to_snapshot: true
    min_capacity: 0
    max_capacity: 1
    seconds_until_auto_pause: 300
    tags:
      App: nestjs-playground

- name: Delete a protected cluster after its instances, keeping a final snapshot
  nestjs_playground.infra.aurora_cluster:
    db_cluster_identifier: nestjs-playground-prd
    state: absent
    deletion_protection: false
    final_snapshot_identifier: nestjs-playground-prd-final-20261201
    instances_deleted_first: [nestjs-playground-prd-writer]
"""

RETURN = r"""
cluster:
  description: The cluster as it is after the run (in check mode, as it would be). Empty when absent.
  returned: always
  type: dict
  contains:
    db_cluster_identifier:
      description: The identifier.
      type: str
    db_cluster_arn:
      description: The ARN; absent in check mode before the cluster exists.
      type: str
    status:
      description: The cluster's status.
      type: str
    endpoint:
      description: The writer endpoint; absent in check mode before the cluster exists.
      type: str
    reader_endpoint:
      description: The reader endpoint; absent in check mode before the cluster exists.
      type: str
    port:
      description: The port.
      type: int
    serverless_v2_scaling_configuration:
      description: C(min_capacity), C(max_capacity) and, when pausing is on, C(seconds_until_auto_pause).
      type: dict
    vpc_security_group_ids:
      description: The security groups.
      type: list
      elements: str
    tags:
      description: The cluster's tags.
      type: dict
final_snapshot_identifier:
  description: With O(state=absent), the final snapshot taken (in check mode, that would be taken).
  returned: when O(state=absent) deletes the cluster and O(skip_final_snapshot=false)
  type: str
  sample: nestjs-playground-prd-final-20261201
"""

import json
import time
from datetime import datetime
from datetime import timezone

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

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

# Owned field -> the ModifyDBCluster parameter that changes it.
MODIFIABLE = {
    "engine_version": "EngineVersion",
    "backup_retention_period": "BackupRetentionPeriod",
    "preferred_backup_window": "PreferredBackupWindow",
    "deletion_protection": "DeletionProtection",
    "copy_tags_to_snapshot": "CopyTagsToSnapshot",
    "db_cluster_parameter_group_name": "DBClusterParameterGroupName",
    "vpc_security_group_ids": "VpcSecurityGroupIds",
    "port": "Port",
    "scaling": "ServerlessV2ScalingConfiguration",
}
# Owned field -> how the cluster reports it; set at creation only.
CREATE_ONLY = {
    "database_name": "DatabaseName",
    "master_username": "MasterUsername",
    "db_subnet_group_name": "DBSubnetGroup",
    "storage_encrypted": "StorageEncrypted",
    "kms_key_id": "KmsKeyId",
}


def version_tuple(version):
    parts = []
    for part in str(version).split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def desired_scaling(params):
    """The scaling block as asked, or None to leave it alone."""
    if params.get("min_capacity") is None and params.get("max_capacity") is None:
        return None
    scaling = {"MinCapacity": params.get("min_capacity"), "MaxCapacity": params.get("max_capacity")}
    if params.get("min_capacity") is not None and float(params["min_capacity"]) == 0:
        scaling["SecondsUntilAutoPause"] = params.get("seconds_until_auto_pause")
    return {key: value for key, value in scaling.items() if value is not None}


def current_state(cluster):
    """The owned fields as the cluster reports them (MISSING where it reports nothing)."""
    scaling = cluster.get("ServerlessV2ScalingConfiguration", MISSING)
    return {
        "engine_version": cluster.get("EngineVersion", MISSING),
        "backup_retention_period": cluster.get("BackupRetentionPeriod", MISSING),
        "preferred_backup_window": cluster.get("PreferredBackupWindow", MISSING),
        "deletion_protection": cluster.get("DeletionProtection", MISSING),
        "copy_tags_to_snapshot": cluster.get("CopyTagsToSnapshot", MISSING),
        "db_cluster_parameter_group_name": cluster.get("DBClusterParameterGroup", MISSING),
        "vpc_security_group_ids": sorted(g["VpcSecurityGroupId"] for g in cluster.get("VpcSecurityGroups", [])),
        "port": cluster.get("Port", MISSING),
        "scaling": scaling,
    }


def desired_state(params):
    groups = params.get("vpc_security_group_ids")
    return {
        "engine_version": params.get("engine_version"),
        "backup_retention_period": params.get("backup_retention_period"),
        "preferred_backup_window": params.get("preferred_backup_window"),
        "deletion_protection": params.get("deletion_protection"),
        "copy_tags_to_snapshot": params.get("copy_tags_to_snapshot"),
        "db_cluster_parameter_group_name": params.get("db_cluster_parameter_group_name"),
        "vpc_security_group_ids": sorted(groups) if groups is not None else None,
        "port": params.get("port"),
        "scaling": desired_scaling(params),
    }


def scaling_differs(desired, current):
    """Whether the asked scaling differs from the cluster's: only the keys asked are compared."""
    if desired is None:
        return False
    if current is MISSING or current is None:
        return True
    return bool(changed_fields(desired, current))


def plan_update(desired, current):
    """The owned fields to modify on an existing cluster, in MODIFIABLE order. Pure."""
    simple = {key: value for key, value in desired.items() if key not in ("scaling", "engine_version")}
    fields = changed_fields(simple, {key: current[key] for key in simple})
    wanted, have = desired.get("engine_version"), current.get("engine_version")
    if wanted is not None and have is not MISSING and version_tuple(wanted) > version_tuple(have):
        fields.append("engine_version")
    if scaling_differs(desired.get("scaling"), current.get("scaling")):
        fields.append("scaling")
    return [key for key in MODIFIABLE if key in fields]


def create_only_conflicts(params, cluster):
    """Messages for fields asked differently from what an existing cluster has and cannot change."""
    problems = []
    for option, key in CREATE_ONLY.items():
        wanted = params.get(option)
        have = cluster.get(key, MISSING)
        if wanted is None or have is MISSING:
            continue
        if wanted != have:
            problems.append(
                f"{option} is {wanted!r} but cluster {cluster['DBClusterIdentifier']} was created with {have!r}, "
                "and AWS cannot change it on an existing cluster: keep the cluster's value, or restore a "
                "snapshot into a new cluster with the new one."
            )
    return problems


def modify_arguments(fields, desired, params):
    kwargs = {MODIFIABLE[field]: desired[field] for field in fields}
    if "engine_version" in fields and params.get("allow_major_version_upgrade"):
        kwargs["AllowMajorVersionUpgrade"] = True
    return kwargs


def deletion_plan(cluster, deletion_protection, instances_deleted_first, check_mode):
    """For ``state=absent``: (ModifyDBCluster arguments to send before deleting, or an error message). Pure.

    Protection on is turned off only when ``deletion_protection`` is explicitly False. Members block the
    deletion, except, in check mode, those an earlier task of the same run deletes.
    """
    identifier = cluster["DBClusterIdentifier"]
    members = [m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", [])]
    if check_mode:
        members = [m for m in members if m not in set(instances_deleted_first or [])]
    if members:
        return None, f"Cluster {identifier} still has instances ({', '.join(members)}); delete them first"
    if not cluster.get("DeletionProtection"):
        return {}, None
    if deletion_protection is False:
        return {"DeletionProtection": False}, None
    return None, (
        f"Cluster {identifier} has deletion protection on; turn it off first (deletion_protection: false, "
        "also accepted with state: absent) to delete it"
    )


def final_snapshot_name(params, identifier, now):
    """The final snapshot's identifier, or None when it is skipped. Pure (``now`` is a datetime)."""
    if params.get("skip_final_snapshot"):
        return None
    return params.get("final_snapshot_identifier") or f"{identifier}-final-{now.strftime('%Y%m%d%H%M%S')}"


def snake_view(owned):
    """Owned fields for diffs and results, scaling in snake_case."""
    view = {key: value for key, value in owned.items() if value is not MISSING and value is not None}
    if isinstance(view.get("scaling"), dict):
        view["serverless_v2_scaling_configuration"] = camel_dict_to_snake_dict(view.pop("scaling"))
    return view


class Clusters:
    def __init__(self, module):
        self.module = module
        self.rds = module.client("rds", retry_decorator=jittered_backoff())

    def _fail(self, e, what):
        self.module.fail_json_aws(e, msg=f"Unable to {what} Aurora cluster {self.module.params['db_cluster_identifier']}")

    def describe(self, identifier):
        try:
            clusters = self.rds.describe_db_clusters(aws_retry=True, DBClusterIdentifier=identifier)["DBClusters"]
        except is_boto3_error_code("DBClusterNotFoundFault"):
            return None
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "describe")
        return clusters[0] if clusters else None

    def kms_key_arn(self, key_id):
        """The ARN of a key given by id, ARN, alias or alias ARN (as clusters report it); None stays None."""
        if not key_id:
            return None
        kms = self.module.client("kms", retry_decorator=jittered_backoff())
        try:
            return kms.describe_key(aws_retry=True, KeyId=key_id)["KeyMetadata"]["Arn"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg=f"Unable to resolve kms_key_id {key_id}")

    def master_password(self, secret_id):
        client = self.module.client("secretsmanager", retry_decorator=jittered_backoff())
        try:
            text = client.get_secret_value(aws_retry=True, SecretId=secret_id)["SecretString"]
            return json.loads(text)["password"]
        except (KeyError, ValueError, TypeError):
            self.module.fail_json(msg=f"Secret {secret_id} has no JSON 'password' key to create the cluster with")
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg=f"Unable to read the master password from secret {secret_id}")

    def create(self, params, desired, tags):
        kwargs = {
            "DBClusterIdentifier": params["db_cluster_identifier"],
            "Engine": params["engine"],
            "MasterUsername": params["master_username"],
            "MasterUserPassword": self.master_password(params["master_user_password_secret_arn"]),
            "StorageEncrypted": params["storage_encrypted"],
            "Tags": ansible_dict_to_boto3_tag_list(tags),
        }
        optional = {
            "EngineVersion": params["engine_version"],
            "DatabaseName": params["database_name"],
            "DBSubnetGroupName": params["db_subnet_group_name"],
            "KmsKeyId": params["kms_key_id"],
            "Port": desired["port"],
            "VpcSecurityGroupIds": desired["vpc_security_group_ids"],
            "BackupRetentionPeriod": desired["backup_retention_period"],
            "PreferredBackupWindow": desired["preferred_backup_window"],
            "DeletionProtection": desired["deletion_protection"],
            "CopyTagsToSnapshot": desired["copy_tags_to_snapshot"],
            "DBClusterParameterGroupName": desired["db_cluster_parameter_group_name"],
            "ServerlessV2ScalingConfiguration": desired["scaling"],
        }
        kwargs.update({key: value for key, value in optional.items() if value is not None})
        try:
            return self.rds.create_db_cluster(aws_retry=True, **kwargs)["DBCluster"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self._fail(e, "create")

    def modify(self, identifier, kwargs):
        try:
            self.rds.modify_db_cluster(
                aws_retry=True, DBClusterIdentifier=identifier, ApplyImmediately=self.module.params["apply_immediately"], **kwargs
            )
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

    def delete(self, identifier, snapshot):
        kwargs = {"SkipFinalSnapshot": snapshot is None}
        if snapshot is not None:
            kwargs["FinalDBSnapshotIdentifier"] = snapshot
        try:
            self.rds.delete_db_cluster(aws_retry=True, DBClusterIdentifier=identifier, **kwargs)
        except is_boto3_error_code("DBClusterNotFoundFault"):
            return
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "delete")

    def wait(self, identifier, gone=False):
        deadline = time.monotonic() + self.module.params["wait_timeout"]
        delay = 0
        while True:
            cluster = self.describe(identifier)
            if gone and cluster is None:
                return None
            if not gone and cluster is not None and cluster.get("Status") == "available":
                return cluster
            if time.monotonic() + delay > deadline:
                status = cluster.get("Status") if cluster else "gone"
                self.module.fail_json(msg=f"Timed out after {self.module.params['wait_timeout']} s waiting for cluster {identifier} (status {status})")
            time.sleep(delay)
            delay = min(max(delay * 2, 5), 30)


def result_view(cluster, owned, tags):
    view = snake_view(owned)
    view.update(
        db_cluster_identifier=cluster.get("DBClusterIdentifier"),
        status=cluster.get("Status"),
        tags=tags,
    )
    for key, name in (("DBClusterArn", "db_cluster_arn"), ("Endpoint", "endpoint"), ("ReaderEndpoint", "reader_endpoint"),
                      ("Port", "port"), ("DatabaseName", "database_name"), ("MasterUsername", "master_username"),
                      ("Engine", "engine"), ("StorageEncrypted", "storage_encrypted"), ("DBSubnetGroup", "db_subnet_group")):
        if cluster.get(key) is not None:
            view[name] = cluster[key]
    return view


def ensure_absent(module, clusters, identifier, cluster):
    params = module.params
    if cluster is None:
        module.exit_json(changed=False, cluster={}, diff=make_diff({}, {}))
    modify, problem = deletion_plan(cluster, params["deletion_protection"], params["instances_deleted_first"], module.check_mode)
    if problem:
        module.fail_json(msg=problem)
    snapshot = final_snapshot_name(params, identifier, datetime.now(timezone.utc))
    before = snake_view(current_state(cluster))
    if not module.check_mode and cluster.get("Status") != "deleting":
        if modify:
            clusters.modify(identifier, modify)
            if params["wait"]:
                clusters.wait(identifier)   # AWS refuses to delete a cluster that is still modifying
        clusters.delete(identifier, snapshot)
        if params["wait"]:
            clusters.wait(identifier, gone=True)
    result = {"final_snapshot_identifier": snapshot} if snapshot else {}
    module.exit_json(changed=True, cluster={}, diff=make_diff(before, {}), **result)


def ensure_present(module, clusters, identifier, cluster):
    params = module.params
    desired = desired_state(params)
    current_tags = boto3_tag_list_to_ansible_dict(cluster.get("TagList", [])) if cluster else {}
    new_tags = tags_after(current_tags, params["tags"], params["purge_tags"])

    if cluster is None:
        missing = [name for name in ("master_username", "master_user_password_secret_arn", "min_capacity", "max_capacity") if params.get(name) is None]
        if missing:
            module.fail_json(msg=f"Cluster {identifier} does not exist, and creating it needs {', '.join(missing)}")
        after = {key: value for key, value in desired.items() if value is not None}
        predicted = {"DBClusterIdentifier": identifier, "Status": "creating", "DatabaseName": params["database_name"],
                     "MasterUsername": params["master_username"], "Engine": params["engine"]}
        if not module.check_mode:
            predicted = clusters.create(params, desired, new_tags)
            if params["wait"]:
                predicted = clusters.wait(identifier)
        module.exit_json(changed=True, cluster=result_view(predicted, after, new_tags), diff=make_diff({}, dict(snake_view(after), tags=new_tags)))

    problems = create_only_conflicts(dict(params, kms_key_id=clusters.kms_key_arn(params["kms_key_id"])), cluster)
    if problems:
        module.fail_json(msg=" ".join(problems))
    current = current_state(cluster)
    fields = plan_update(desired, current)
    to_set, to_remove = tag_changes(current_tags, params["tags"], params["purge_tags"])
    after = predicted_state({key: desired[key] for key in fields}, current)
    changed = bool(fields or to_set or to_remove)
    if changed and not module.check_mode:
        if fields:
            clusters.modify(identifier, modify_arguments(fields, desired, params))
        clusters.retag(cluster["DBClusterArn"], to_set, to_remove)
        if fields and params["wait"]:
            cluster = clusters.wait(identifier)
    module.exit_json(
        changed=changed,
        cluster=result_view(cluster, after, new_tags),
        diff=make_diff(dict(snake_view(current), tags=current_tags), dict(snake_view(after), tags=new_tags)),
    )


def main():
    argument_spec = dict(
        db_cluster_identifier=dict(type="str", required=True, aliases=["id"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        engine=dict(type="str", default="aurora-postgresql"),
        engine_version=dict(type="str"),
        allow_major_version_upgrade=dict(type="bool", default=False),
        database_name=dict(type="str"),
        master_username=dict(type="str"),
        master_user_password_secret_arn=dict(type="str", no_log=False),
        db_subnet_group_name=dict(type="str"),
        vpc_security_group_ids=dict(type="list", elements="str"),
        storage_encrypted=dict(type="bool", default=True),
        kms_key_id=dict(type="str", no_log=False),
        port=dict(type="int"),
        backup_retention_period=dict(type="int"),
        preferred_backup_window=dict(type="str"),
        deletion_protection=dict(type="bool"),
        copy_tags_to_snapshot=dict(type="bool"),
        db_cluster_parameter_group_name=dict(type="str"),
        min_capacity=dict(type="float"),
        max_capacity=dict(type="float"),
        seconds_until_auto_pause=dict(type="int", default=300),
        apply_immediately=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        skip_final_snapshot=dict(type="bool", default=False),
        final_snapshot_identifier=dict(type="str"),
        instances_deleted_first=dict(type="list", elements="str", default=[]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    clusters = Clusters(module)
    identifier = module.params["db_cluster_identifier"]
    cluster = clusters.describe(identifier)
    if module.params["state"] == "absent":
        ensure_absent(module, clusters, identifier, cluster)
    ensure_present(module, clusters, identifier, cluster)


if __name__ == "__main__":
    main()
