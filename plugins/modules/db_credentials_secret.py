#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: db_credentials_secret
version_added: 0.1.0
short_description: Ensure a Secrets Manager secret holding database credentials, with a password generated once
description:
  - Ensures one AWS Secrets Manager secret whose value is the JSON document CDK's generated database
    secret holds - C(username), C(password), C(host), C(port), C(dbname), C(engine) and
    C(dbClusterIdentifier) - so that task definitions can reference each key.
  - The password is generated inside the module when the secret is created and never changes
    afterwards; it is never an argument, never returned and never shown in a diff, so it never
    passes through Ansible (its variables, its output at any verbosity, its logs).
  - The other keys are merged into the stored document; a key whose option is not given is left alone,
    so the host can be filled in once the cluster exists.
  - A secret scheduled for deletion is restored instead of failing on its reserved name.
  - Written because C(community.aws.secretsmanager_secret) manages the whole secret string, so keeping
    a generated password across runs would mean reading it into Ansible and writing it back.
  - Supports check mode and diff mode.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  name:
    description: The name of the secret.
    required: true
    type: str
  state:
    description: Whether the secret should exist.
    choices: ["present", "absent"]
    default: present
    type: str
  username:
    description: The database user name (key C(username)).
    type: str
  engine:
    description: The database engine, for example C(postgres) (key C(engine)).
    type: str
  host:
    description: The database host name (key C(host)).
    type: str
  port:
    description: The database port (key C(port), stored as a number).
    type: int
  dbname:
    description: The database name (key C(dbname)).
    type: str
  db_cluster_identifier:
    description: The Aurora cluster identifier (key C(dbClusterIdentifier)).
    type: str
  password_length:
    description: Length of the password generated when the secret is created.
    type: int
    default: 32
  exclude_characters:
    description:
      - Characters the generated password never contains. The default excludes what Aurora and RDS
        refuse in a master password (C(/), C(@), C("), space) and characters awkward in URLs and shells.
    type: str
    default: "/@\"' \\`$%&*()[]{}<>|;:,?#=+~^"
  description:
    description: The secret's description.
    type: str
  kms_key_id:
    description: The KMS key that encrypts the secret; the account's default key when not given.
    type: str
  recovery_window_in_days:
    description:
      - With O(state=absent), how many days the secret can still be restored; C(0) deletes it at once.
    type: int
    default: 30
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the credentials secret (password generated on creation)
  nestjs_playground.infra.db_credentials_secret:
    name: nestjs-playground-dev-db-credentials
    username: postgres
    engine: postgres
    port: 5432
    dbname: nestjs_playground
    tags:
      App: nestjs-playground

- name: Fill in the host once the cluster exists (the password is kept)
  nestjs_playground.infra.db_credentials_secret:
    name: nestjs-playground-dev-db-credentials
    host: "{{ cluster.endpoint }}"
    db_cluster_identifier: nestjs-playground-dev
"""

RETURN = r"""
secret:
  description: The secret, without its password. Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    arn:
      description: The secret's ARN; absent in check mode before the secret exists.
      type: str
    name:
      description: The secret's name.
      type: str
    keys:
      description: The keys of the stored JSON document.
      type: list
      elements: str
    username:
      description: The stored user name.
      type: str
    host:
      description: The stored host, if any.
      type: str
    port:
      description: The stored port, if any.
      type: int
    dbname:
      description: The stored database name, if any.
      type: str
    engine:
      description: The stored engine, if any.
      type: str
    db_cluster_identifier:
      description: The stored cluster identifier, if any.
      type: str
    tags:
      description: The secret's tags.
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import changed_fields
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import make_diff
from ansible_collections.nestjs_playground.infra.plugins.module_utils.secrets_manager import EXCLUDE_CHARACTERS
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.secrets_manager import SecretStore
from ansible_collections.nestjs_playground.infra.plugins.module_utils.secrets_manager import generate_password
from ansible_collections.nestjs_playground.infra.plugins.module_utils.secrets_manager import with_rotation_tags
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_plan

# option name -> key in the stored JSON document (CDK's generated secret)
KEYS = {
    "username": "username",
    "engine": "engine",
    "host": "host",
    "port": "port",
    "dbname": "dbname",
    "db_cluster_identifier": "dbClusterIdentifier",
}
PASSWORD = "password"


def desired_document(params):
    """The stored keys as asked; None means 'leave alone'."""
    return {key: params.get(option) for option, key in KEYS.items()}


def public_view(document):
    """The document without its password: what diffs and results may show."""
    return {key: value for key, value in (document or {}).items() if key != PASSWORD}


def plan(desired, current_document, exists):
    """Which keys change and the document after the change (the password is kept as it is).

    A key missing from the stored document is a difference (unlike a field an API omits), so every
    known key is compared, absent ones as None.
    """
    before = {key: current_document.get(key) for key in KEYS.values()} if exists else None
    fields = changed_fields(desired, before)
    after = dict(current_document or {})
    after.update({key: value for key, value in desired.items() if value is not None})
    return fields, after


def result_view(name, arn, document, tags):
    """What the module returns: every key name of the document, every value but the password's."""
    view = {"name": name, "keys": sorted(document), "tags": tags}
    if arn:
        view["arn"] = arn
    for option, key in KEYS.items():
        if key in document:
            view[option] = document[key]
    return view


def ensure_present(module, store, name, described):
    params = module.params
    scheduled = bool(described and described.get("DeletedDate"))
    exists = described is not None
    current_tags = boto3_tag_list_to_ansible_dict(described.get("Tags", [])) if exists else {}
    if scheduled and not module.check_mode:
        # AWS refuses to read a secret scheduled for deletion: restore it first, then read it.
        store.restore(described["ARN"])
    current_document = store.document(name) if exists and not (scheduled and module.check_mode) else {}
    fields, after = plan(desired_document(params), current_document, exists)
    wanted_tags = with_rotation_tags(current_tags, params["tags"])   # db_credentials_rotation's record stays
    to_set, to_remove, new_tags = tag_plan(current_tags, wanted_tags, params["purge_tags"])
    creating = not exists
    changed = creating or scheduled or bool(fields or to_set or to_remove)
    arn = described["ARN"] if exists else None

    if changed and not module.check_mode:
        if creating:
            try:
                after[PASSWORD] = generate_password(params["password_length"], params["exclude_characters"])
            except ValueError as e:
                module.fail_json(msg=str(e))
            arn = store.create(name, after, new_tags, params["description"], params["kms_key_id"])
        else:
            if fields:
                store.put(arn, after)
            store.retag(arn, to_set, to_remove)

    before_view = public_view(current_document) if exists else {}
    after_view = public_view(after)
    after_view[PASSWORD] = "(generated)" if creating else "(unchanged)"
    if exists:
        before_view[PASSWORD] = "(unchanged)" if PASSWORD in current_document else "(missing)"
    if scheduled:
        before_view["scheduled_for_deletion"] = True
    return {
        "changed": changed,
        "secret": result_view(name, arn, dict(after, **{PASSWORD: None}), new_tags),
        "diff": make_diff(dict(before_view, tags=current_tags) if exists else {}, dict(after_view, tags=new_tags)),
    }


def main():
    module = AnsibleAWSModule(argument_spec=resource_argument_spec(
        username=dict(type="str"),
        engine=dict(type="str"),
        host=dict(type="str"),
        port=dict(type="int"),
        dbname=dict(type="str"),
        db_cluster_identifier=dict(type="str"),
        password_length=dict(type="int", default=32, no_log=False),
        exclude_characters=dict(type="str", default=EXCLUDE_CHARACTERS),
        description=dict(type="str"),
        kms_key_id=dict(type="str"),
        recovery_window_in_days=dict(type="int", default=30),
    ), supports_check_mode=True)
    store = SecretStore(module, "database credentials secret")
    name = module.params["name"]
    described = store.describe(name)
    if module.params["state"] == "absent":
        result = store.remove(name, described, view=public_view)
    else:
        result = ensure_present(module, store, name, described)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
