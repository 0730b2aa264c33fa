#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: db_endpoint_secret
version_added: 0.2.0
short_description: Ensure a Secrets Manager secret holds a database endpoint under the key host
description:
  - Creates, updates or deletes one AWS Secrets Manager secret whose value is a JSON object with one key,
    C(host), the endpoint, such as the read-replica secret the application reads C(DB_HOST_READ_ONLY) from
    (the ECS task definition references its C(host) key).
  - Written instead of C(community.aws.secretsmanager_secret) 10.0.0 on the hot path of every converge. As a
    module of another collection it runs as a process of its own in every task (about 1 s here) where this
    one runs in Ansible's worker, and it returns no diff of the value.
  - An endpoint is not a credential, so the diff shows it. The description and the KMS key are set when the
    secret is created. A secret scheduled for deletion is restored and converged.
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same C(changed) and
    C(diff) that the real run would.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  name:
    description: The secret's name.
    required: true
    type: str
  state:
    description: Whether the secret should exist.
    choices: ["present", "absent"]
    default: present
    type: str
  host:
    description: The endpoint the secret holds. Required with O(state=present).
    type: str
  description:
    description: The secret's description, set when it is created.
    type: str
  kms_key_id:
    description: The KMS key that encrypts the secret, set when it is created; the account's default key when not given.
    type: str
  recovery_window_in_days:
    description: With O(state=absent), how many days AWS keeps the deleted secret restorable; V(0) deletes it at once.
    type: int
    default: 30
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the read-replica secret holds the reader endpoint
  nestjs_playground.infra.db_endpoint_secret:
    name: nestjs-playground-dev-db-read-replica
    host: nestjs-playground-dev.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com
    description: Reader endpoint of the nestjs-playground-dev Aurora PostgreSQL cluster

- name: Delete it at once
  nestjs_playground.infra.db_endpoint_secret:
    name: nestjs-playground-dev-db-read-replica
    state: absent
    recovery_window_in_days: 0
"""

RETURN = r"""
secret:
  description: The secret as it is after the run (in check mode, as it would be). Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: The secret's name.
      type: str
    arn:
      description: Its ARN (absent in check mode before it exists).
      type: str
    host:
      description: The endpoint it holds.
      type: str
    tags:
      description: Its tags.
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import make_diff
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.secrets_manager import SecretStore
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_plan


def plan(host, document, described, desired_tags, purge_tags):
    """What must be done to make the secret ``described`` (None: none) hold ``{"host": host}`` and the tags. Pure.

    ``document`` is what it holds now (None when it cannot be read: it does not exist, or is scheduled for
    deletion in check mode). Returns ``create``, ``restore``, ``put``, ``tags_to_set``, ``tags_to_remove``,
    ``before``, ``after`` and ``changed``.
    """
    exists = described is not None
    scheduled = bool(exists and described.get("DeletedDate"))
    current_tags = boto3_tag_list_to_ansible_dict(described.get("Tags", [])) if exists else {}
    to_set, to_remove, tags = tag_plan(current_tags, desired_tags, purge_tags, exists)
    put = exists and document != {"host": host}
    before = {}
    if exists:
        before = dict(document or {}, tags=current_tags)
        if scheduled:
            before["scheduled_for_deletion"] = True
    after = {"host": host, "tags": tags}
    return {
        "create": not exists, "restore": scheduled, "put": put, "tags_to_set": to_set, "tags_to_remove": to_remove,
        "before": before, "after": after, "changed": not exists or scheduled or put or bool(to_set or to_remove),
    }


def ensure_present(module, store, name, described):
    params = module.params
    scheduled = bool(described and described.get("DeletedDate"))
    if scheduled and not module.check_mode:
        store.restore(described["ARN"])   # AWS refuses to read a secret scheduled for deletion
    readable = described is not None and not (scheduled and module.check_mode)
    decision = plan(params["host"], store.document(name) if readable else None, described, params["tags"], params["purge_tags"])
    arn = described["ARN"] if described else None
    if decision["changed"] and not module.check_mode:
        if decision["create"]:
            arn = store.create(name, {"host": params["host"]}, decision["after"]["tags"], params["description"], params["kms_key_id"])
        else:
            if decision["put"]:
                store.put(arn, {"host": params["host"]})
            store.retag(arn, decision["tags_to_set"], decision["tags_to_remove"])
    secret = dict(decision["after"], name=name)
    if arn:
        secret["arn"] = arn
    return {"changed": decision["changed"], "secret": secret, "diff": make_diff(decision["before"], decision["after"])}


def main():
    module = AnsibleAWSModule(argument_spec=resource_argument_spec(
        host=dict(type="str"),
        description=dict(type="str"),
        kms_key_id=dict(type="str"),
        recovery_window_in_days=dict(type="int", default=30),
    ), supports_check_mode=True, required_if=[["state", "present", ["host"]]])
    store = SecretStore(module, "database endpoint secret")
    name = module.params["name"]
    described = store.describe(name)
    if module.params["state"] == "absent":
        result = store.remove(name, described)
    else:
        result = ensure_present(module, store, name, described)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
