#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: aurora_cluster_snapshot_copy
version_added: 0.1.0
short_description: Ensure the latest automated snapshot of an Aurora cluster has a copy in another region, keeping a number of copies
description:
  - Finds the latest C(available) automated snapshot of one Aurora DB cluster in the module's region, and
    ensures a copy of it exists in O(destination_region), encrypted with O(kms_key_id) there and tagged; then
    deletes the oldest of the cluster's copies in that region beyond O(keep).
  - Made for a daily job (playbooks/copy_db_snapshot.yml); a run that finds the latest snapshot already copied
    changes nothing.
  - The copies are recognised by their tags - C(SnapshotCopyOf) (the source cluster's ARN), C(SourceSnapshot)
    (the source snapshot's ARN) and C(SourceSnapshotTime) (its creation time, UTC, ISO 8601), which orders them -
    and named C(<cluster>-copy-<YYYY-MM-DD-HH-MM>) after the source snapshot's time. Manual snapshots without
    those tags are never deleted.
  - The newest C(available) copy is never deleted while newer ones are still being copied, so a copy that
    fails never leaves the region without one; copies still being made are not deleted either.
  - Neither amazon.aws nor community.aws can do this - C(amazon.aws.rds_cluster_snapshot) copies one snapshot
    named by the caller within its region and prunes nothing.
  - The copy is asked for in the destination region with C(SourceRegion), from which boto3 signs the
    C(PreSignedUrl) that an encrypted cross-region copy needs.
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same C(changed) and
    C(diff) that the real run would.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  db_cluster_identifier:
    description: The source cluster, in the module's region.
    required: true
    type: str
  destination_region:
    description: The region the copies are made in; another than the module's region.
    required: true
    type: str
  kms_key_id:
    description:
      - The KMS key in O(destination_region) that encrypts the copies, as a key id, key ARN, alias name or alias ARN.
      - Required when the source snapshot is encrypted (an encrypted snapshot cannot be copied to another region without one).
    type: str
  keep:
    description: How many copies of the cluster's snapshots O(destination_region) keeps; the oldest beyond are deleted.
    type: int
    default: 7
  wait:
    description: Wait until the new copy is C(available) (a cross-region copy of a large cluster takes long).
    type: bool
    default: false
  wait_timeout:
    description: How many seconds to wait.
    type: int
    default: 3600
  tags:
    description:
      - Tags for a new copy, besides the three the module sets to recognise its copies (those win).
      - Existing copies are not retagged.
    type: dict
    aliases: [resource_tags]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Copy the latest automated snapshot of the production database to us-west-2, keeping a week of copies
  nestjs_playground.infra.aurora_cluster_snapshot_copy:
    db_cluster_identifier: nestjs-playground-prd
    destination_region: us-west-2
    kms_key_id: alias/nestjs-playground-prd-snapshots
    keep: 7
    tags:
      App: nestjs-playground
      Env: prd
"""

RETURN = r"""
source_snapshot:
  description: The latest available automated snapshot of the cluster; empty when it has none yet.
  returned: always
  type: dict
  contains:
    identifier:
      description: Its identifier.
      type: str
    arn:
      description: Its ARN.
      type: str
    create_time:
      description: When it was taken (UTC, ISO 8601).
      type: str
snapshot_copy:
  description: The copy of the source snapshot in the destination region (made now, or earlier). Empty when there is none.
  returned: always
  type: dict
  contains:
    identifier:
      description: Its identifier.
      type: str
    arn:
      description: Its ARN; absent in check mode before it is made.
      type: str
    status:
      description: Its status (C(copying) until done).
      type: str
    created:
      description: Whether this run made it (in check mode, would make it).
      type: bool
deleted:
  description: The copies deleted (in check mode, that would be deleted), oldest first.
  returned: always
  type: list
  elements: str
copies:
  description: The cluster's copies in the destination region after the run, newest first.
  returned: always
  type: list
  elements: str
"""

from datetime import datetime
from datetime import timezone

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import make_diff
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_db_cluster
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import ServiceCalls

COPY_OF = "SnapshotCopyOf"
SOURCE = "SourceSnapshot"
SOURCE_TIME = "SourceSnapshotTime"
IN_PROGRESS = ("creating", "copying")


def utc_text(moment):
    """A datetime (or AWS's text of one) as ``YYYY-MM-DDTHH:MM:SSZ``, UTC."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def latest_automated(snapshots):
    """The newest available automated snapshot, or None. Pure."""
    usable = [s for s in snapshots if s.get("SnapshotType") == "automated" and s.get("Status") == "available"]
    return max(usable, key=lambda s: utc_text(s["SnapshotCreateTime"]), default=None)


def copy_identifier(cluster_identifier, source):
    """``<cluster>-copy-<YYYY-MM-DD-HH-MM>`` after the source snapshot's time. Pure."""
    moment = utc_text(source["SnapshotCreateTime"])
    return f"{cluster_identifier}-copy-{moment[:16].replace('T', '-').replace(':', '-')}"


def copies_of(snapshots, cluster_arn):
    """The manual snapshots tagged as copies of ``cluster_arn``, newest source first. Pure."""
    found = []
    for snapshot in snapshots:
        tags = boto3_tag_list_to_ansible_dict(snapshot.get("TagList", []))
        if snapshot.get("SnapshotType", "manual") == "manual" and tags.get(COPY_OF) == cluster_arn:
            found.append(dict(snapshot, _source=tags.get(SOURCE), _time=tags.get(SOURCE_TIME) or utc_text(snapshot["SnapshotCreateTime"])))
    return sorted(found, key=lambda s: (s["_time"], s["DBClusterSnapshotIdentifier"]), reverse=True)


def plan(cluster_identifier, source, copies, keep):
    """What to copy and what to delete. Pure.

    ``copies``: as ``copies_of`` returns them. Returns ``{"copy": the identifier to create or None,
    "existing": the copy of ``source`` already there or None, "delete": [identifiers, oldest first],
    "after": [identifiers, newest first]}``.
    """
    existing = next((c for c in copies if source and c["_source"] == source["DBClusterSnapshotArn"]), None)
    entries = [(c["_time"], c["DBClusterSnapshotIdentifier"], c.get("Status")) for c in copies]
    new = None
    if source and existing is None:
        new = copy_identifier(cluster_identifier, source)
        entries.append((utc_text(source["SnapshotCreateTime"]), new, "copying"))
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    kept, beyond = entries[:keep], entries[keep:]
    if not any(entry[2] == "available" for entry in kept):
        # The newest available copy stays until a newer one is available.
        fallback = next((e for e in beyond if e[2] == "available"), None)
        if fallback:
            beyond.remove(fallback)
            kept.append(fallback)
    delete = [entry[1] for entry in beyond if entry[2] not in IN_PROGRESS]
    after = [entry[1] for entry in entries if entry[1] not in delete]
    return {"copy": new, "existing": existing, "delete": list(reversed(delete)), "after": after}


def copy_tags(tags, cluster_arn, source):
    """The tags of a new copy: the asked ones, and the three that recognise it."""
    result = dict(tags or {})
    result.update({COPY_OF: cluster_arn, SOURCE: source["DBClusterSnapshotArn"], SOURCE_TIME: utc_text(source["SnapshotCreateTime"])})
    return result


class DestinationCalls(ServiceCalls):
    """RDS in the destination region: the same retries and error layer over that region's client."""

    def __init__(self, module):
        super().__init__(module, "rds")
        self.client = module.client("rds", retry_decorator=self.retry, region=module.params["destination_region"])


class Snapshots:
    """The source cluster and its automated snapshots (the module's region), the copies (the destination's)."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.source = ServiceCalls(module, "rds")
        self.destination = DestinationCalls(module)
        self.cluster_named = f"(cluster {self.params['db_cluster_identifier']})"

    def cluster(self, identifier):
        return find_db_cluster(self.source, identifier, f"describe the source cluster {self.cluster_named}")

    def _snapshots(self, calls, what, **kwargs):
        return calls.pages(f"{what} {self.cluster_named}", "describe_db_cluster_snapshots", missing={}, **kwargs).get("DBClusterSnapshots", [])

    def automated(self, identifier):
        return self._snapshots(self.source, "list the automated snapshots", DBClusterIdentifier=identifier, SnapshotType="automated")

    def manual_in_destination(self):
        return self._snapshots(self.destination, "list the snapshots in the destination region", SnapshotType="manual")

    def copy(self, source, identifier, tags):
        kwargs = {
            "SourceDBClusterSnapshotIdentifier": source["DBClusterSnapshotArn"],
            "TargetDBClusterSnapshotIdentifier": identifier,
            "SourceRegion": self.module.region,
            "Tags": ansible_dict_to_boto3_tag_list(tags),
            "CopyTags": False,
        }
        if self.params["kms_key_id"]:
            kwargs["KmsKeyId"] = self.params["kms_key_id"]
        made = self.destination.call(f"copy snapshot {source['DBClusterSnapshotIdentifier']} to {self.params['destination_region']} "
                                     f"{self.cluster_named}", "copy_db_cluster_snapshot", **kwargs)["DBClusterSnapshot"]
        if not self.params["wait"]:
            return made
        self.destination.wait("db_cluster_snapshot_available", f"The copy {identifier}", self.params["wait_timeout"], 30,
                              DBClusterSnapshotIdentifier=identifier)
        return (self._snapshots(self.destination, "read the new copy", DBClusterSnapshotIdentifier=identifier) or [made])[0]

    def delete(self, identifier):
        self.destination.call(f"delete the old copy {identifier} {self.cluster_named}", "delete_db_cluster_snapshot", missing=None,
                              DBClusterSnapshotIdentifier=identifier)


def problem(params, region, cluster, source):
    """Why the module must not copy (a message), or None. Pure."""
    identifier = params["db_cluster_identifier"]
    if params["keep"] < 1:
        return f"keep is {params['keep']}: at least one copy must be kept (1 or more)."
    if params["destination_region"] == region:
        return f"destination_region {params['destination_region']} is the cluster's own region: copies go to another region."
    if cluster is None:
        return f"Cluster {identifier} does not exist in {region}: converge the database first (site.yml)."
    if source and source.get("StorageEncrypted") and not params["kms_key_id"]:
        return f"Snapshot {source['DBClusterSnapshotIdentifier']} is encrypted: kms_key_id must name a key in {params['destination_region']}."
    return None


def converge(module, snapshots):
    """Copies the latest automated snapshot and deletes the copies beyond ``keep``; returns the module's result."""
    params = module.params
    identifier = params["db_cluster_identifier"]
    cluster = snapshots.cluster(identifier)
    source = latest_automated(snapshots.automated(identifier)) if cluster else None
    refused = problem(params, module.region, cluster, source)
    if refused:
        module.fail_json(msg=refused)
        return {}
    in_destination = snapshots.manual_in_destination()
    copies = copies_of(in_destination, cluster["DBClusterArn"])
    decision = plan(identifier, source, copies, params["keep"])
    if decision["copy"] and decision["copy"] in {s["DBClusterSnapshotIdentifier"] for s in in_destination}:
        module.fail_json(msg=f"A snapshot named {decision['copy']} exists in {params['destination_region']} without the tags of a copy of "
                             f"{identifier}'s {source['DBClusterSnapshotIdentifier']}: rename or delete it; nothing was copied.")
        return {}

    copy = {}
    if decision["existing"]:
        existing = decision["existing"]
        copy = {"identifier": existing["DBClusterSnapshotIdentifier"], "arn": existing.get("DBClusterSnapshotArn"),
                "status": existing.get("Status"), "created": False}
    elif decision["copy"]:
        copy = {"identifier": decision["copy"], "status": "copying", "created": True}
    if not module.check_mode:
        if decision["copy"]:
            made = snapshots.copy(source, decision["copy"], copy_tags(params["tags"], cluster["DBClusterArn"], source))
            copy.update(arn=made.get("DBClusterSnapshotArn"), status=made.get("Status"))
        for old in decision["delete"]:
            snapshots.delete(old)
    if source is None:
        module.warn(f"Cluster {identifier} has no available automated snapshot yet: nothing was copied.")
    before = sorted(c["DBClusterSnapshotIdentifier"] for c in copies)
    return {
        "changed": bool(decision["copy"] or decision["delete"]),
        "source_snapshot": {"identifier": source["DBClusterSnapshotIdentifier"], "arn": source["DBClusterSnapshotArn"],
                            "create_time": utc_text(source["SnapshotCreateTime"])} if source else {},
        "snapshot_copy": copy,
        "deleted": decision["delete"],
        "copies": decision["after"],
        "diff": make_diff({"copies": before}, {"copies": sorted(decision["after"])}),
    }


def main():
    argument_spec = dict(
        db_cluster_identifier=dict(type="str", required=True),
        destination_region=dict(type="str", required=True),
        kms_key_id=dict(type="str", no_log=False),
        keep=dict(type="int", default=7),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=3600),
        tags=dict(type="dict", aliases=["resource_tags"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    module.exit_json(**converge(module, Snapshots(module)))


if __name__ == "__main__":
    main()
