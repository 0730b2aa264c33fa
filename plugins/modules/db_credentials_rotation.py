#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: db_credentials_rotation
version_added: 0.2.0
short_description: Rotate the master password of an Aurora cluster and of the secret its application reads
description:
  - Rotates the password of the credentials secret that M(nestjs_playground.infra.db_credentials_secret) keeps, and
    the Aurora cluster's master password with it, in the four steps of AWS's published rotation functions, run
    from the controller - C(ModifyDBCluster) in place of SQL, so that no network path to the database is needed
    and no password is ever written in SQL text.
  - 1. a new version of the secret labelled C(AWSPENDING), holding the current document with a new password
    generated inside the module; 2. C(ModifyDBCluster) with that password and C(ApplyImmediately), waited for until
    the cluster holds it, recorded in the secret's tag C(CredentialsAppliedVersion); 3. C(AWSCURRENT) moved to the
    new version (the old one becomes C(AWSPREVIOUS)); 4. the secret's tag C(CredentialsRotatedAt) set to the time.
  - A rotation interrupted after its first step is completed by the next run whatever O(only_when_due) says, with
    the password already staged (never a second new one).
  - If C(AWSCURRENT) changed meanwhile (a converge filled in the host), the current document with the staged
    password becomes the new C(AWSCURRENT), so neither change is lost.
  - The password is never an argument, never returned and never shown in a diff.
  - A rotation is refused, before any write, while the secret points at another cluster than O(db_cluster_identifier)
    (a restore switched it and the inventory does not say so yet), or while the cluster is not available.
  - The running application reads the secret when its task starts; replacing the tasks (a new deployment of each
    service) is the playbook's next step, not this module's.
  - Written because no amazon.aws or community.aws module rotates a secret without a rotation Lambda function
    (C(community.aws.secretsmanager_secret) only configures one), and RDS's own managed master password uses a
    secret of its own, whose name and keys differ from the ones the application reads.
  - Supports check mode and diff mode.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  name:
    description: The name (or ARN) of the credentials secret.
    required: true
    type: str
  db_cluster_identifier:
    description: The Aurora cluster whose master password the secret holds.
    required: true
    type: str
  mode:
    description:
      - V(rotate) rotates the password (the steps above).
      - V(apply_current) rotates nothing - it gives O(db_cluster_identifier) the password of the secret's C(AWSCURRENT)
        version, unless the secret's record (tags C(CredentialsAppliedVersion) and C(CredentialsAppliedCluster)) says that
        cluster was given it last. For a cluster restored to a time before the last rotation, which holds that time's
        password (playbooks/restore_db.yml's switch).
    type: str
    choices: [rotate, apply_current]
    default: rotate
  rotation_days:
    description:
      - How many days a password is kept. With O(only_when_due=true), the module rotates only when that many days
        have passed since the last rotation (the secret's creation before the first); V(0) never rotates then.
      - Used for RV(rotation.next_rotation) in any case.
    type: int
    default: 30
  only_when_due:
    description: Rotate only when RV(rotation.next_rotation) has come (a scheduled run); V(false) rotates now.
    type: bool
    default: false
  password_length:
    description: Length of the new password.
    type: int
    default: 32
  exclude_characters:
    description: Characters the new password leaves out (the same default as db_credentials_secret's).
    type: str
    default: "/@\"' \\`$%&*()[]{}<>|;:,?#=+~^"
  wait_timeout:
    description: Seconds to wait for the cluster to hold the new password.
    type: int
    default: 900
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Rotate the database credentials now
  nestjs_playground.infra.db_credentials_rotation:
    name: nestjs-playground-dev-db-credentials
    db_cluster_identifier: nestjs-playground-dev

- name: Rotate them when 30 days have passed since the last rotation (a daily schedule)
  nestjs_playground.infra.db_credentials_rotation:
    name: nestjs-playground-dev-db-credentials
    db_cluster_identifier: nestjs-playground-dev
    rotation_days: 30
    only_when_due: true
"""

RETURN = r"""
rotation:
  description: What the run did and when the next rotation is due.
  returned: always
  type: dict
  contains:
    rotated:
      description: Whether a new password became the secret's C(AWSCURRENT) (would, in check mode).
      type: bool
    resumed:
      description: Whether it completed a rotation an earlier run left half done.
      type: bool
    applied:
      description: Whether the cluster was given a password (would be, in check mode).
      type: bool
    last_rotated:
      description: When the password was last rotated (the secret's creation before the first rotation), UTC, ISO 8601.
      type: str
      sample: "2026-12-04T03:00:00+00:00"
    next_rotation:
      description: When the next rotation is due (none with O(rotation_days=0)), UTC, ISO 8601.
      type: str
      sample: "2027-01-03T03:00:00+00:00"
    version_id:
      description: The secret's C(AWSCURRENT) version after the run (the staged one in check mode, unknown before it exists).
      type: str
"""

import datetime
import json
import time
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import make_diff
from ansible_collections.nestjs_playground.infra.plugins.module_utils.deployment import Reader
from ansible_collections.nestjs_playground.infra.plugins.module_utils.secrets_manager import APPLIED_CLUSTER_TAG
from ansible_collections.nestjs_playground.infra.plugins.module_utils.secrets_manager import APPLIED_VERSION_TAG
from ansible_collections.nestjs_playground.infra.plugins.module_utils.secrets_manager import EXCLUDE_CHARACTERS
from ansible_collections.nestjs_playground.infra.plugins.module_utils.secrets_manager import ROTATED_AT_TAG
from ansible_collections.nestjs_playground.infra.plugins.module_utils.secrets_manager import SecretStore
from ansible_collections.nestjs_playground.infra.plugins.module_utils.secrets_manager import due_date
from ansible_collections.nestjs_playground.infra.plugins.module_utils.secrets_manager import generate_password
from ansible_collections.nestjs_playground.infra.plugins.module_utils.secrets_manager import last_rotated
from ansible_collections.nestjs_playground.infra.plugins.module_utils.secrets_manager import versions
from ansible_collections.nestjs_playground.infra.plugins.module_utils.times import iso

PASSWORD = "password"
POLL_SECONDS = 10
# The version staged by this run, before it exists (check mode).
NEW_VERSION = "(new version)"


# The decisions: pure ------------------------------------------------------------------------------

def plan(described, rotation_days, only_when_due, now):
    """What this run does to the secret ``described`` (DescribeSecret's answer) at ``now``.

    Returns ``action`` (None, ``rotate`` or ``resume``) and its ``steps``, in this order: ``stage`` (a new
    AWSPENDING version), ``apply`` (the cluster's password set from it, then recorded), ``stamp`` (the time of
    the rotation), ``promote`` (AWSCURRENT moved to it), ``clear`` (its AWSPENDING label removed). Each step
    leaves a mark the next run reads, so that a rotation stopped anywhere is completed, never started again.
    Also ``current`` and ``pending`` versions, ``last_rotated``, ``next_rotation``, ``before``/``after`` for the
    diff (never a password) and ``changed``.
    """
    current, pending, lingering = versions(described)
    tags = boto3_tag_list_to_ansible_dict(described.get("Tags") or [])
    last, due_at = due_date(described, rotation_days)
    if pending:
        action = "resume"
        steps = (["apply"] if tags.get(APPLIED_VERSION_TAG) != pending else []) + ["stamp", "promote", "clear"]
    elif lingering:
        action, steps, pending = "resume", ["clear"], current
    elif only_when_due and (due_at is None or now < due_at):
        action, steps = None, []
    else:
        action, steps = "rotate", ["stage", "apply", "stamp", "promote", "clear"]
    before = {"version_id": current, "last_rotated": iso(last), "next_rotation": iso(due_at)}
    after = dict(before)
    if "stamp" in steps:
        after = {"version_id": pending or NEW_VERSION, "last_rotated": iso(now), PASSWORD: "(rotated)",
                 "next_rotation": iso(now + datetime.timedelta(days=rotation_days)) if rotation_days else None}
    return {"action": action, "steps": steps, "current": current, "pending": pending, "last_rotated": after["last_rotated"],
            "next_rotation": after["next_rotation"], "before": before, "after": after, "changed": action is not None}


def plan_apply_current(described, cluster_identifier):
    """What ``mode=apply_current`` does: give ``cluster_identifier`` the password of the secret's AWSCURRENT version,
    unless the secret's record says that cluster was given that version last. Same keys as :func:`plan`."""
    current = versions(described)[0]
    tags = boto3_tag_list_to_ansible_dict(described.get("Tags") or [])
    before = {"applied_version": tags.get(APPLIED_VERSION_TAG), "applied_cluster": tags.get(APPLIED_CLUSTER_TAG)}
    if before == {"applied_version": current, "applied_cluster": cluster_identifier}:
        return {"action": None, "steps": [], "current": current, "pending": None, "last_rotated": iso(last_rotated(described)),
                "next_rotation": None, "before": before, "after": before, "changed": False}
    after = {"applied_version": current, "applied_cluster": cluster_identifier, PASSWORD: "(set from AWSCURRENT)"}
    return {"action": "apply_current", "steps": ["apply"], "current": current, "pending": current,
            "last_rotated": iso(last_rotated(described)), "next_rotation": None, "before": before, "after": after, "changed": True}


def switched_cluster_problem(document, cluster_identifier):
    """Why a rotation must not set ``cluster_identifier``'s password: the secret (its AWSCURRENT ``document``) points
    at another cluster, so the application would keep the old password on the cluster it uses."""
    pointed = (document or {}).get("dbClusterIdentifier")
    if pointed and pointed != cluster_identifier:
        return (f"The credentials secret points at cluster {pointed}, not {cluster_identifier} (a restore switched it): set "
                f"database_cluster_identifier to {pointed} in the inventory, then rotate; nothing was changed.")
    return None


def without_password(document):
    return {key: value for key, value in (document or {}).items() if key != PASSWORD}


def cluster_holds_new_password(cluster):
    """Whether ``cluster`` (DescribeDBClusters) is available with no master password change pending."""
    pending = cluster.get("PendingModifiedValues") or {}
    return cluster.get("Status") == "available" and "MasterUserPassword" not in pending


def cluster_problem(what, cluster):
    """Why the rotation must not set the password of ``cluster`` (DescribeDBClusters; None: not there), or None."""
    if cluster is None:
        return f"{what} does not exist: converge the database tier (site.yml) before rotating its credentials"
    if cluster.get("Status") != "available":
        return f"{what} is {cluster.get('Status')}, not available: rotate once it is available"
    return None


# The AWS calls ------------------------------------------------------------------------------------

class Rotation:
    """The secret (SecretStore) and cluster (module_utils/deployment.py's Reader) calls of the steps, one method a
    step. A staged version's document never changes, so it is read once (or known from the step that wrote it)."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.name = self.params["name"]
        self.store = SecretStore(module, "database credentials secret")
        self.reader = Reader(module)
        self.cluster_what = f"Aurora cluster {self.params['db_cluster_identifier']}"
        self._staged = {}   # version id -> its document

    def cluster(self):
        return self.reader.db_cluster(self.params["db_cluster_identifier"])

    def staged(self, version):
        """The document of the staged ``version``."""
        if version not in self._staged:
            self._staged[version] = self.store.document(self.name, version_id=version)
        return self._staged[version]

    def stage(self, current_document):
        """Step 1: a new AWSPENDING version (``current_document``, AWSCURRENT's, with a new password); returns its id."""
        document = dict(current_document)
        try:
            document[PASSWORD] = generate_password(self.params["password_length"], self.params["exclude_characters"])
        except ValueError as e:
            self.module.fail_json(msg=str(e))
        # The token makes a retried call the same version (AWS answers it with its id), never a second one.
        version = self.store.aws.call(f"stage a new password in {self.store.what}", "put_secret_value", SecretId=self.name,
                                      ClientRequestToken=str(uuid.uuid4()), SecretString=json.dumps(document),
                                      VersionStages=["AWSPENDING"])["VersionId"]
        self._staged[version] = document
        return version

    def apply(self, arn, version, document):
        """Step 2: the cluster's master password set from ``document`` (the one of ``version``), waited for, then
        recorded on the secret (which version, which cluster)."""
        password = document.get(PASSWORD)
        if not password:
            self.module.fail_json(msg=f"Version {version} of secret {self.name} holds no password: rerun to stage a new one")
        self.reader.calls("rds").call(f"set the master password of {self.cluster_what}", "modify_db_cluster",
                                      DBClusterIdentifier=self.params["db_cluster_identifier"], MasterUserPassword=password,
                                      ApplyImmediately=True)
        deadline = time.monotonic() + self.params["wait_timeout"]
        while not cluster_holds_new_password(self.cluster() or {}):
            if time.monotonic() > deadline:
                self.module.fail_json(msg=f"{self.cluster_what} did not take the new master password within {self.params['wait_timeout']} s;"
                                          " rerun to complete the rotation")
            time.sleep(POLL_SECONDS)
        self.store.tags.change(arn, self.store.what, {APPLIED_VERSION_TAG: version,
                                                      APPLIED_CLUSTER_TAG: self.params["db_cluster_identifier"]}, [])

    def holds_current_password(self, applied, cluster_identifier):
        """Whether the version ``applied`` records as given to ``cluster_identifier`` holds the password AWSCURRENT holds
        (a new version that changed another key, the host, keeps the password): compared here, never returned."""
        if applied["applied_cluster"] != cluster_identifier or not applied["applied_version"]:
            return False
        given = self.store.document(self.name, version_id=applied["applied_version"]).get(PASSWORD)
        return bool(given) and given == self.store.document(self.name).get(PASSWORD)

    def stamp(self, arn, moment):
        """Step 3: the time of the rotation, on the secret (before the label moves: a run stopped after it
        still finds the version pending, and stamps again)."""
        self.store.tags.change(arn, self.store.what, {ROTATED_AT_TAG: iso(moment)}, [])

    def promote(self, current, pending):
        """Step 4: AWSCURRENT to the staged version; if the current document changed since it was staged, that
        document with the staged password becomes AWSCURRENT instead. Returns the new current version."""
        staged = self.staged(pending)
        latest = self.store.document(self.name)
        if without_password(latest) == without_password(staged):
            self.store.aws.call(f"make the new password current in {self.store.what}", "update_secret_version_stage", SecretId=self.name,
                                VersionStage="AWSCURRENT", MoveToVersionId=pending, RemoveFromVersionId=current)
            return pending
        merged = dict(latest, **{PASSWORD: staged[PASSWORD]})
        return self.store.aws.call(f"write the rotated document of {self.store.what}", "put_secret_value", SecretId=self.name,
                                   SecretString=json.dumps(merged), VersionStages=["AWSCURRENT"])["VersionId"]

    def clear(self, pending):
        """Step 5: the AWSPENDING label off the staged version."""
        self.store.aws.call(f"clear the pending label of {self.store.what}", "update_secret_version_stage", SecretId=self.name,
                            VersionStage="AWSPENDING", RemoveFromVersionId=pending)


def rotate(module, rotation, now):
    """The module's result: the decision, applied unless in check mode."""
    described = rotation.store.describe(rotation.name)
    if described is None:
        module.fail_json(msg=f"Secret {rotation.name} does not exist: converge the database tier (site.yml) before rotating its credentials")
    cluster_identifier = module.params["db_cluster_identifier"]
    if module.params["mode"] == "apply_current":
        decision = plan_apply_current(described, cluster_identifier)
        if decision["changed"] and rotation.holds_current_password(decision["before"], cluster_identifier):
            decision = dict(decision, action=None, steps=[], changed=False, after=decision["before"])
    else:
        decision = plan(described, module.params["rotation_days"], module.params["only_when_due"], now)
    version = decision["after"].get("version_id", decision["current"])
    current_document = None
    if "apply" in decision["steps"]:   # refused in check mode too: the real run would be
        problem = cluster_problem(rotation.cluster_what, rotation.cluster())
        if not problem and module.params["mode"] == "rotate":
            current_document = rotation.store.document(rotation.name)
            problem = switched_cluster_problem(current_document, cluster_identifier)
        if problem:
            module.fail_json(msg=problem)
    if decision["changed"] and not module.check_mode and decision["action"] == "apply_current":
        rotation.apply(described["ARN"], decision["current"], rotation.store.document(rotation.name))
    elif decision["changed"] and not module.check_mode:
        arn, pending, steps = described["ARN"], decision["pending"], decision["steps"]
        if "stage" in steps:
            pending = rotation.stage(current_document)
        if "apply" in steps:
            rotation.apply(arn, pending, rotation.staged(pending))
        if "stamp" in steps:
            rotation.stamp(arn, now)
        version = rotation.promote(decision["current"], pending) if "promote" in steps else pending
        rotation.clear(pending)
    result = {"rotated": decision["changed"] and decision["action"] != "apply_current", "resumed": decision["action"] == "resume",
              "applied": "apply" in decision["steps"], "last_rotated": decision["last_rotated"],
              "next_rotation": decision["next_rotation"], "version_id": version}
    return {"changed": decision["changed"], "rotation": result, "diff": make_diff(decision["before"], decision["after"])}


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        db_cluster_identifier=dict(type="str", required=True),
        mode=dict(type="str", default="rotate", choices=["rotate", "apply_current"]),
        rotation_days=dict(type="int", default=30),
        only_when_due=dict(type="bool", default=False),
        password_length=dict(type="int", default=32, no_log=False),
        exclude_characters=dict(type="str", default=EXCLUDE_CHARACTERS),
        wait_timeout=dict(type="int", default=900),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    module.exit_json(**rotate(module, Rotation(module), datetime.datetime.now(datetime.timezone.utc)))


if __name__ == "__main__":
    main()
