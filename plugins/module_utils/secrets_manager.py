# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Secrets Manager calls of the modules that keep a JSON document in a secret (db_credentials_secret,
db_endpoint_secret, db_credentials_rotation), each retried with jittered backoff on throttling and failing
the task with the secret named (the module's ``name`` option); the password generator of the credentials.

Every read names the version it reads (``AWSCURRENT`` unless said otherwise), as the application's task
does: a read without it gets the secret's default version, which moto 5.2.5 does not move with the label
(docs/emulator-gaps.md)."""

import datetime
import json
import secrets
import string

from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_secret
from ansible_collections.nestjs_playground.infra.plugins.module_utils.times import iso
from ansible_collections.nestjs_playground.infra.plugins.module_utils.times import parse_time

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import make_diff
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import SecretTags
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import ServiceCalls


# The characters a generated password leaves out (CDK's default for a database secret: none that a
# connection string or a shell would need quoted).
EXCLUDE_CHARACTERS = "/@\"' \\`$%&*()[]{}<>|;:,?#=+~^"

# The tags db_credentials_rotation keeps on the credentials secret: db_credentials_secret neither compares
# nor purges them (they record the rotation, not the configuration).
ROTATED_AT_TAG = "CredentialsRotatedAt"
APPLIED_VERSION_TAG = "CredentialsAppliedVersion"   # the version whose password ...
APPLIED_CLUSTER_TAG = "CredentialsAppliedCluster"   # ... this cluster was last given
ROTATION_TAGS = (ROTATED_AT_TAG, APPLIED_VERSION_TAG, APPLIED_CLUSTER_TAG)


def with_rotation_tags(current, desired):
    """The tags to converge to: ``desired`` (None: leave the tags alone) and the rotation tags ``current`` carries."""
    if desired is None:
        return None
    return dict(desired, **{key: current[key] for key in ROTATION_TAGS if key in (current or {})})


# The rotation's record, as DescribeSecret answers it (db_credentials_rotation writes it, deployment_status reads it).

def versions(described):
    """(the version labelled AWSCURRENT, the one labelled AWSPENDING and not AWSCURRENT or None, whether the
    AWSCURRENT one still carries AWSPENDING: a rotation stopped right after its label moved)."""
    stages = described.get("VersionIdsToStages") or {}
    current = next((version for version, labels in stages.items() if "AWSCURRENT" in labels), None)
    pending = next((version for version, labels in stages.items() if "AWSPENDING" in labels and "AWSCURRENT" not in labels), None)
    return current, pending, "AWSPENDING" in stages.get(current, [])


def last_rotated(described):
    """When the password was last rotated: the tag CredentialsRotatedAt, else the secret's creation."""
    tags = boto3_tag_list_to_ansible_dict(described.get("Tags") or [])
    return parse_time(tags.get(ROTATED_AT_TAG)) or parse_time(described.get("CreatedDate"))


def due_date(described, rotation_days):
    """(when the password was last rotated, when the next rotation is due: None with ``rotation_days`` 0)."""
    last = last_rotated(described)
    return last, (last + datetime.timedelta(days=rotation_days) if rotation_days and last else None)


def rotation_record(described, rotation_days, now):
    """What DescribeSecret's ``described`` says of the rotation at ``now``: ``last_rotated``, ``next_rotation``
    (None when ``rotation_days`` is 0), ``days_since``, ``overdue_days`` (whole days past the due date, 0 when not
    due) and ``half_done`` (a version staged but not current, or the current one still labelled AWSPENDING)."""
    current, pending, lingering = versions(described)
    last, due_at = due_date(described, rotation_days)
    return {"last_rotated": iso(last), "next_rotation": iso(due_at), "rotation_days": rotation_days,
            "days_since": (now - last).days if last else None,
            "overdue_days": max(0, (now - due_at).days) if due_at else 0,
            "half_done": bool(pending or lingering), "version_id": current}


def generate_password(length, exclude):
    """A random password of ``length`` characters, none of them in ``exclude``.

    It holds a lower-case letter, an upper-case letter and a digit whenever ``exclude`` leaves one of
    each kind to choose from.
    """
    alphabet = [c for c in string.ascii_letters + string.digits + string.punctuation if c not in exclude]
    if length < 8 or not alphabet:
        raise ValueError("password_length must be at least 8 and exclude_characters must leave characters to use")
    kinds = [kind for kind in (str.islower, str.isupper, str.isdigit) if any(kind(c) for c in alphabet)]
    while True:
        candidate = "".join(secrets.choice(alphabet) for _position in range(length))
        if all(any(kind(c) for c in candidate) for kind in kinds):
            return candidate


class SecretStore:
    """One secret holding a JSON document: its calls, and the removal both modules share."""

    def __init__(self, module, kind):
        """``kind`` names what the secret holds, for the message when it holds no JSON object."""
        self.module = module
        self.kind = kind
        self.aws = ServiceCalls(module, "secretsmanager")
        self.tags = SecretTags(self.aws)
        self.what = f"secret {module.params['name']}"

    def describe(self, name):
        """DescribeSecret's answer (with ``Tags`` and, when it is scheduled for deletion, ``DeletedDate``), or None."""
        return find_secret(self.aws, name, f"describe {self.what}")

    def document(self, name, stage="AWSCURRENT", version_id=None):
        """The JSON object the secret's version labelled ``stage`` (or the version ``version_id``) holds ({} when it
        has no value)."""
        which = {"VersionId": version_id} if version_id else {"VersionStage": stage}
        answer = self.aws.call(f"read {self.what}", "get_secret_value", missing={}, SecretId=name, **which)
        text = answer.get("SecretString") or "{}"
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            self.module.fail_json(msg=f"Secret {name} does not hold a JSON object; it is not a {self.kind}")
        return document

    def create(self, name, document, tags, description=None, kms_key_id=None):
        """Creates the secret; returns its ARN."""
        kwargs = {"Name": name, "SecretString": json.dumps(document)}
        if description:
            kwargs["Description"] = description
        if kms_key_id:
            kwargs["KmsKeyId"] = kms_key_id
        if tags:
            kwargs["Tags"] = self.tags.tags_at_create(tags)
        return self.aws.call(f"create {self.what}", "create_secret", **kwargs)["ARN"]

    def restore(self, arn):
        self.aws.call(f"restore {self.what}", "restore_secret", SecretId=arn)

    def put(self, arn, document):
        self.aws.call(f"update {self.what}", "put_secret_value", SecretId=arn, SecretString=json.dumps(document))

    def retag(self, arn, to_set, to_remove):
        self.tags.change(arn, self.what, to_set, to_remove)

    def delete(self, arn, window):
        """Deletes the secret: at once with ``window`` 0, else after that many days."""
        kwargs = {"ForceDeleteWithoutRecovery": True} if window == 0 else {"RecoveryWindowInDays": window}
        self.aws.call(f"delete {self.what}", "delete_secret", missing=None, SecretId=arn, **kwargs)

    def remove(self, name, described, view=dict):
        """``state=absent``: the module's result (``changed``, ``secret``, ``diff``). The secret is deleted after
        the module's ``recovery_window_in_days`` (at once with 0); one already scheduled for deletion is left
        as it is unless the window is 0. ``view`` gives what the diff may show of the document it held."""
        window = self.module.params["recovery_window_in_days"]
        scheduled = bool(described and described.get("DeletedDate"))
        if described is None or (scheduled and window != 0):
            return {"changed": False, "secret": {}, "diff": make_diff({}, {})}
        # A secret scheduled for deletion cannot be read (AWS refuses GetSecretValue until it is restored).
        before = {"scheduled_for_deletion": True} if scheduled else view(self.document(name))
        if not self.module.check_mode:
            self.delete(described["ARN"], window)
        return {"changed": True, "secret": {}, "diff": make_diff(before, {})}
