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
  - With O(restore_from), a cluster that does not exist is created by a point-in-time restore of another
    cluster (C(RestoreDBClusterToPointInTime)) instead of empty - the source's data, database name, master
    user and password, engine version and encryption key - with the source's subnet group, security groups,
    port and Serverless v2 scaling unless the options give others. The source cluster is only read. The
    restore time is checked against the source's restorable window before any change, and the restore
    always waits until the restored cluster is C(available). Once the cluster exists, it converges as any
    other and O(restore_from) is not used again.
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
    description:
      - The DB cluster parameter group; the engine's default group when not given at creation.
      - On an existing cluster a different group is a modification that AWS applies to the cluster at once,
        whatever O(apply_immediately) says (that option only governs the master password, IAM authentication
        and renames); the cluster's instances use the new group's parameters from their next reboot. The module
        does not reboot them, since a reboot drops the connections - it warns, naming the instances whose
        C(DBClusterParameterGroupStatus) is C(pending-reboot), on every run until they have rebooted.
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
  restore_from:
    description:
      - Create the cluster, when it does not exist, by a point-in-time restore of this source cluster.
      - O(master_username), O(master_user_password_secret_arn), O(database_name), O(engine_version),
        O(storage_encrypted) and O(kms_key_id) do not apply to a restore (the restored cluster keeps the
        source's); O(db_subnet_group_name), O(vpc_security_group_ids), O(port), O(min_capacity),
        O(max_capacity), O(deletion_protection) and O(copy_tags_to_snapshot) default to the source's.
    type: dict
    suboptions:
      source_db_cluster_identifier:
        description: The cluster to restore from; it must exist (a deleted cluster restores from a snapshot instead).
        type: str
        required: true
      restore_to_time:
        description:
          - The time to restore to, ISO 8601 with a time zone (C(2026-11-28T09:30:00Z)), within the source's
            restorable window (from its earliest to its latest restorable time).
          - Exactly one of O(restore_from.restore_to_time) and O(restore_from.use_latest_restorable_time=true).
        type: str
      use_latest_restorable_time:
        description: Restore to the latest restorable time (usually five minutes ago or less).
        type: bool
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

- name: Restore the cluster as it was at 09:30 UTC into a new cluster, in the source's subnets and security groups
  nestjs_playground.infra.aurora_cluster:
    db_cluster_identifier: nestjs-playground-prd-restored
    restore_from:
      source_db_cluster_identifier: nestjs-playground-prd
      restore_to_time: "2026-11-28T09:30:00Z"
    deletion_protection: true
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
    db_cluster_parameter_group_name:
      description: The cluster parameter group.
      type: str
    instances_pending_reboot:
      description: The instances that use the cluster parameter group's settings only after their next reboot.
      type: list
      elements: str
restored:
  description:
    - With O(restore_from), whether this run restored the cluster (in check mode, would restore it); false
      when the cluster already existed.
  returned: when O(restore_from) is given
  type: bool
final_snapshot_identifier:
  description: With O(state=absent), the final snapshot taken (in check mode, that would be taken).
  returned: when O(state=absent) deletes the cluster and O(skip_final_snapshot=false)
  type: str
  sample: nestjs-playground-prd-final-20261201
"""

import json
from datetime import datetime
from datetime import timezone

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import MISSING
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import changed_fields
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import predicted_state
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_db_cluster
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import CHANGED_MEANWHILE
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import ServiceCalls
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_plan

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
WAIT_DELAY = 15


def version_tuple(version):
    parts = []
    for part in str(version).split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def scaling_block(minimum, maximum, auto_pause):
    """A Serverless v2 scaling block of the capacities given (None: not given), with the seconds until auto-pause
    (when given) only for a minimum of 0; None when neither capacity is given."""
    block = {key: value for key, value in (("MinCapacity", minimum), ("MaxCapacity", maximum)) if value is not None}
    if minimum is not None and float(minimum) == 0 and auto_pause is not None:
        block["SecondsUntilAutoPause"] = auto_pause
    return block or None


def desired_scaling(params):
    """The scaling block as asked, or None to leave it alone."""
    return scaling_block(params.get("min_capacity"), params.get("max_capacity"), params.get("seconds_until_auto_pause"))


def current_state(cluster):
    """The owned fields as the cluster reports them (MISSING where it reports nothing): under their ModifyDBCluster
    names, but for the parameter group (DescribeDBClusters says ``DBClusterParameterGroup``) and the security groups."""
    state = {field: cluster.get(key, MISSING) for field, key in MODIFIABLE.items()}
    state.update(db_cluster_parameter_group_name=cluster.get("DBClusterParameterGroup", MISSING),
                 vpc_security_group_ids=sorted(g["VpcSecurityGroupId"] for g in cluster.get("VpcSecurityGroups", [])))
    return state


def desired_state(params):
    groups = params.get("vpc_security_group_ids")
    return dict({field: params.get(field) for field in MODIFIABLE},
                vpc_security_group_ids=sorted(groups) if groups is not None else None, scaling=desired_scaling(params))


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


def instances_pending_reboot(cluster, fields):
    """The instances that wait for a reboot to use the cluster's parameter group. Pure.

    AWS marks them ``pending-reboot``; a group changed by this run marks every instance (the emulator
    reports ``in-sync`` throughout, so the change itself is what counts there).
    """
    members = (cluster or {}).get("DBClusterMembers") or []
    if "db_cluster_parameter_group_name" in fields:
        return sorted(m["DBInstanceIdentifier"] for m in members)
    return sorted(m["DBInstanceIdentifier"] for m in members if m.get("DBClusterParameterGroupStatus") == "pending-reboot")


def reboot_warning(identifier, instances):
    if not instances:
        return None
    return (
        f"The instances of cluster {identifier} ({', '.join(instances)}) use its parameter group's settings "
        "only after a reboot, which drops their connections; reboot each when it suits you: "
        "aws rds reboot-db-instance --db-instance-identifier <instance>"
    )


def parse_restore_time(text):
    """(aware datetime, None) or (None, what is wrong) for an ISO 8601 time with a time zone. Pure."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except (AttributeError, ValueError):
        return None, f"restore_to_time '{text}' is not an ISO 8601 time like 2026-11-28T09:30:00Z"
    if moment.tzinfo is None:
        return None, f"restore_to_time '{text}' has no time zone: add Z for UTC (2026-11-28T09:30:00Z) or an offset"
    return moment, None


def restore_time_problem(moment, source):
    """Why ``moment`` cannot be restored to from ``source`` (a DescribeDBClusters entry), or None. Pure.

    The window is the source's EarliestRestorableTime to LatestRestorableTime; a bound AWS does not report
    is not checked.
    """
    earliest, latest = source.get("EarliestRestorableTime"), source.get("LatestRestorableTime")
    identifier = source.get("DBClusterIdentifier")
    if earliest is not None and moment < earliest:
        return (f"restore_to_time {moment.isoformat()} is before the earliest restorable time of cluster {identifier}, "
                f"{earliest.isoformat()} (its automated backups reach back backup_retention_period days)")
    if latest is not None and moment > latest:
        return (f"restore_to_time {moment.isoformat()} is after the latest restorable time of cluster {identifier}, "
                f"{latest.isoformat()}: use a time up to then, or use_latest_restorable_time")
    return None


def source_scaling(source):
    """The source's Serverless v2 scaling block, in the form of ``desired_scaling``."""
    scaling = source.get("ServerlessV2ScalingConfiguration") or {}
    return scaling_block(scaling.get("MinCapacity"), scaling.get("MaxCapacity"), scaling.get("SecondsUntilAutoPause") or None)


def restore_arguments(identifier, restore, moment, desired, params, source, tags):
    """The RestoreDBClusterToPointInTime arguments: what the options ask, else the source's. Pure."""
    groups = desired.get("vpc_security_group_ids")
    if groups is None:
        groups = sorted(g["VpcSecurityGroupId"] for g in source.get("VpcSecurityGroups", []))
    values = {
        "DBClusterIdentifier": identifier,
        "SourceDBClusterIdentifier": restore["source_db_cluster_identifier"],
        "RestoreType": "full-copy",
        "DBSubnetGroupName": params.get("db_subnet_group_name") or source.get("DBSubnetGroup"),
        "VpcSecurityGroupIds": groups or None,
        "Port": desired.get("port") or source.get("Port"),
        "ServerlessV2ScalingConfiguration": desired.get("scaling") or source_scaling(source),
        "DeletionProtection": desired.get("deletion_protection"),
        "CopyTagsToSnapshot": desired["copy_tags_to_snapshot"] if desired.get("copy_tags_to_snapshot") is not None
        else source.get("CopyTagsToSnapshot"),
        "DBClusterParameterGroupName": desired.get("db_cluster_parameter_group_name"),
        "KmsKeyId": params.get("kms_key_id"),
        "Tags": ansible_dict_to_boto3_tag_list(tags),
    }
    if restore.get("use_latest_restorable_time"):
        values["UseLatestRestorableTime"] = True
    else:
        values["RestoreToTime"] = moment
    return {key: value for key, value in values.items() if value is not None}


def restored_view(kwargs, source):
    """The owned fields of the cluster a restore with ``kwargs`` creates (check mode and diff). Pure."""
    view = {
        "engine_version": source.get("EngineVersion"),
        "vpc_security_group_ids": kwargs.get("VpcSecurityGroupIds"),
        "port": kwargs.get("Port"),
        "scaling": kwargs.get("ServerlessV2ScalingConfiguration"),
        "deletion_protection": kwargs.get("DeletionProtection"),
        "copy_tags_to_snapshot": kwargs.get("CopyTagsToSnapshot"),
        "db_cluster_parameter_group_name": kwargs.get("DBClusterParameterGroupName"),
    }
    view = {key: value for key, value in view.items() if value is not None}
    view["restored_from"] = kwargs["SourceDBClusterIdentifier"]
    view["restore_to_time"] = kwargs["RestoreToTime"].isoformat() if "RestoreToTime" in kwargs else "latest restorable time"
    return view


def snake_view(owned):
    """Owned fields for diffs and results, scaling in snake_case."""
    view = {key: value for key, value in owned.items() if value is not MISSING and value is not None}
    if isinstance(view.get("scaling"), dict):
        view["serverless_v2_scaling_configuration"] = camel_dict_to_snake_dict(view.pop("scaling"))
    return view


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


class Cluster(Resource):
    """The Aurora cluster ``db_cluster_identifier``: created, restored to a point in time, modified or deleted."""

    service = "rds"
    kind = "Aurora cluster"
    name_option = "db_cluster_identifier"
    restored = False   # whether the run restored the cluster (in check mode, would restore it)

    def __init__(self, module):
        super().__init__(module)
        self.final_snapshot = final_snapshot_name(self.params, self.name, datetime.now(timezone.utc))
        self._kms_key_arn = {}

    def describe(self, identifier=None):
        """The cluster as DescribeDBClusters answers it (its tags included), or None when there is none."""
        identifier = identifier or self.name
        return find_db_cluster(self.aws, identifier, f"describe {self.kind} {identifier}")

    def kms_key_arn(self, key_id):
        """The ARN of a key given by id, ARN, alias or alias ARN (as clusters report it); None stays None."""
        if key_id and key_id not in self._kms_key_arn:
            self._kms_key_arn[key_id] = ServiceCalls(self.module, "kms").call(f"resolve kms_key_id {key_id}", "describe_key",
                                                                              KeyId=key_id)["KeyMetadata"]["Arn"]
        return self._kms_key_arn.get(key_id)

    def plan(self, current):
        params, desired = self.params, desired_state(self.params)
        current_tags = self.tags.from_aws(current) if current else {}
        to_set, to_remove, new_tags = tag_plan(current_tags, params["tags"], params["purge_tags"])
        if current is None and params["restore_from"]:
            return self.plan_restore(desired, new_tags)
        if current is None:
            missing = [name for name in ("master_username", "master_user_password_secret_arn", "min_capacity", "max_capacity") if params.get(name) is None]
            owned = {key: value for key, value in desired.items() if value is not None}
            return {
                "problem": f"Cluster {self.name} does not exist, and creating it needs {', '.join(missing)}" if missing else None,
                "create": desired, "tags": new_tags, "owned": owned, "changed": True, "before": {}, "after": dict(snake_view(owned), tags=new_tags),
                "predicted": {"DBClusterIdentifier": self.name, "Status": "creating", "DatabaseName": params["database_name"],
                              "MasterUsername": params["master_username"], "Engine": params["engine"]},
            }
        problems = create_only_conflicts(dict(params, kms_key_id=self.kms_key_arn(params["kms_key_id"])), current)
        owned = current_state(current)
        fields = plan_update(desired, owned)
        after = predicted_state({key: desired[key] for key in fields}, owned)
        pending = instances_pending_reboot(current, fields)
        return {
            "problem": " ".join(problems) or None, "warnings": [reboot_warning(self.name, pending)] if pending else [],
            "modify": modify_arguments(fields, desired, params), "tags_to_set": to_set, "tags_to_remove": to_remove,
            "tags": new_tags, "owned": after, "pending": pending, "changed": bool(fields or to_set or to_remove),
            "before": dict(snake_view(owned), tags=current_tags), "after": dict(snake_view(after), tags=new_tags),
        }

    def plan_restore(self, desired, new_tags):
        """Create the missing cluster by a point-in-time restore of ``restore_from``; the source is only read."""
        params, restore = self.params, self.params["restore_from"]
        source_id, moment, problem, source = restore["source_db_cluster_identifier"], None, None, None
        if source_id == self.name:
            problem = f"Cluster {self.name} cannot be restored onto itself: give the restored cluster another identifier"
        elif not restore["use_latest_restorable_time"] and not restore["restore_to_time"]:
            problem = "restore_from needs restore_to_time, or use_latest_restorable_time: true"
        elif not restore["use_latest_restorable_time"]:
            moment, problem = parse_restore_time(restore["restore_to_time"])
        if problem is None:
            source = self.describe(source_id)
            if source is None:
                problem = (f"Cluster {source_id} to restore from does not exist: a point-in-time restore needs the source "
                           "cluster (restore a deleted cluster from its final snapshot instead)")
            elif moment:
                problem = restore_time_problem(moment, source)
        if problem:
            return {"problem": problem}
        kwargs = restore_arguments(self.name, restore, moment, desired, params, source, new_tags)
        after = restored_view(kwargs, source)
        owned = {key: value for key, value in after.items() if key not in ("restored_from", "restore_to_time")}
        # What a restore cannot set (backups, backup window) is modified once the cluster is available.
        for field in ("backup_retention_period", "preferred_backup_window"):
            if desired.get(field) is not None:
                owned[field] = after[field] = desired[field]
        return {
            "restore": kwargs, "desired": desired, "tags": new_tags, "owned": owned, "changed": True,
            "before": {}, "after": dict(snake_view(after), tags=new_tags),
            "predicted": {"DBClusterIdentifier": self.name, "Status": "creating", "DatabaseName": source.get("DatabaseName"),
                          "MasterUsername": source.get("MasterUsername"), "Engine": source.get("Engine"),
                          "StorageEncrypted": source.get("StorageEncrypted"), "DBSubnetGroup": kwargs.get("DBSubnetGroupName"),
                          "Port": kwargs.get("Port")},
        }

    def apply(self, decision, current):
        if decision.get("create"):
            created = self.aws.call(f"create {self.what}", "create_db_cluster", exists=None, **self.create_arguments(decision))
            if created is None:   # another run created it meanwhile: converged like an existing one
                return CHANGED_MEANWHILE
            return self.wait_available() if self.params["wait"] else created["DBCluster"]
        if decision.get("restore"):
            if self.aws.call(f"restore {self.what}", "restore_db_cluster_to_point_in_time", exists=None, **decision["restore"]) is None:
                return CHANGED_MEANWHILE
            cluster = self.wait_available()
            desired = decision["desired"]
            fields = [field for field in plan_update(desired, current_state(cluster)) if field in ("backup_retention_period", "preferred_backup_window")]
            if fields:
                self.modify(modify_arguments(fields, desired, self.params))
                cluster = self.wait_available()
            return cluster
        if decision["modify"]:
            self.modify(decision["modify"])
        self.retag(current["DBClusterArn"], decision)
        return self.wait_available() if decision["modify"] and self.params["wait"] else current

    def create_arguments(self, decision):
        params, desired = self.params, decision["create"]
        kwargs = {
            "DBClusterIdentifier": self.name,
            "Engine": params["engine"],
            "MasterUsername": params["master_username"],
            "MasterUserPassword": self.master_password(params["master_user_password_secret_arn"]),
            "StorageEncrypted": params["storage_encrypted"],
            "Tags": ansible_dict_to_boto3_tag_list(decision["tags"]),
        }
        optional = dict({MODIFIABLE[field]: value for field, value in desired.items()}, DatabaseName=params["database_name"],
                        DBSubnetGroupName=params["db_subnet_group_name"], KmsKeyId=params["kms_key_id"])
        kwargs.update({key: value for key, value in optional.items() if value is not None})
        return kwargs

    def master_password(self, secret_id):
        text = ServiceCalls(self.module, "secretsmanager").call(f"read the master password from secret {secret_id}", "get_secret_value",
                                                                SecretId=secret_id)["SecretString"]
        try:
            return json.loads(text)["password"]
        except (KeyError, ValueError, TypeError):
            self.module.fail_json(msg=f"Secret {secret_id} has no JSON 'password' key to create the cluster with")
            return None

    def modify(self, kwargs):
        self.aws.call(f"modify {self.what}", "modify_db_cluster", DBClusterIdentifier=self.name,
                      ApplyImmediately=self.params["apply_immediately"], **kwargs)

    def wait_available(self):
        self.aws.wait("db_cluster_available", self.what, self.params["wait_timeout"], WAIT_DELAY, DBClusterIdentifier=self.name)
        return self.describe()

    def deletion_problem(self, current):
        return deletion_plan(current, self.params["deletion_protection"], self.params["instances_deleted_first"], self.module.check_mode)[1]

    def owned(self, current):
        return snake_view(current_state(current))

    def delete(self, current):
        if current.get("Status") == "deleting":
            return
        modify = deletion_plan(current, self.params["deletion_protection"], self.params["instances_deleted_first"], False)[0]
        if modify:
            self.modify(modify)
            if self.params["wait"]:
                self.wait_available()   # AWS refuses to delete a cluster that is still modifying
        snapshot = {"FinalDBSnapshotIdentifier": self.final_snapshot} if self.final_snapshot else {}
        self.aws.call(f"delete {self.what}", "delete_db_cluster", missing=None, DBClusterIdentifier=self.name,
                      SkipFinalSnapshot=self.final_snapshot is None, **snapshot)
        if self.params["wait"]:
            self.aws.wait("db_cluster_deleted", self.what, self.params["wait_timeout"], WAIT_DELAY, DBClusterIdentifier=self.name)

    def result(self, decision, state):
        self.restored = "restore" in decision
        view = result_view(state or decision["predicted"], decision["owned"], decision["tags"])
        if not self.restored:
            view["instances_pending_reboot"] = decision.get("pending", [])
        return view

    def extra(self, result):
        """The module's result keys besides ``changed``, ``cluster`` and ``diff``."""
        if self.params["state"] == "absent":
            return {"final_snapshot_identifier": self.final_snapshot} if result["changed"] and self.final_snapshot else {}
        return {"restored": self.restored} if self.params["restore_from"] else {}

    def returned(self, result):
        return dict(result, **self.extra(result))


def main():
    run_module(Cluster, "cluster", resource_argument_spec(
        db_cluster_identifier=dict(type="str", required=True, aliases=["id"]),
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
        restore_from=dict(
            type="dict",
            options=dict(
                source_db_cluster_identifier=dict(type="str", required=True),
                restore_to_time=dict(type="str"),
                use_latest_restorable_time=dict(type="bool"),
            ),
            mutually_exclusive=[["restore_to_time", "use_latest_restorable_time"]],
            required_one_of=[["restore_to_time", "use_latest_restorable_time"]],
        ),
        name_option="db_cluster_identifier",
    ))


if __name__ == "__main__":
    main()
