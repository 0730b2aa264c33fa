#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: iam_service_role
version_added: 0.1.0
short_description: Ensure an IAM role that one AWS service may assume, with its one inline policy
description:
  - Creates, updates or deletes one IAM role whose trust policy lets one AWS service principal
    (for instance C(ecs-tasks.amazonaws.com)) assume it, and converges in the same call its inline
    policy, its attached managed policies, its description, maximum session duration and tags.
  - Written to replace the pair C(amazon.aws.iam_role) + C(amazon.aws.iam_policy), because a plan
    (C(--check)) on an account where the role does not exist yet cannot show the role's permissions.
    Measured with amazon.aws 10.1.2 against the local emulator (moto 5.2.5) on a fresh account, the task
    C(amazon.aws.iam_policy) with O(amazon.aws.iam_policy#module:iam_type=role) that follows
    C(amazon.aws.iam_role) fails in check mode with C(NoSuchEntity) from C(ListRolePolicies),
    message C(Role repro-task-role not found), since it lists the policies of a role that check mode
    did not create.
  - In the same measurement C(amazon.aws.iam_role) returned only C(changed=true) in check mode (no
    role, no ARN, no diff), and without check mode it also created an instance profile of the same
    name (its deprecated O(amazon.aws.iam_role#module:create_instance_profile) defaults to true), which
    an ECS task role does not need. Role and policy in one module are also one task instead of two.
  - Each C(UpdateRole) call sends both the description and the maximum session duration (the asked
    value or the current one). The emulator resets an omitted C(Description) to none and an omitted
    C(MaxSessionDuration) to 3600, and the IAM API reference says the latter of AWS too, so a call
    with one setting alone could undo the other.
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same
    C(changed) and C(diff) that the real run would, and returns the ARN the role has or will have.
  - When another run creates the role between this run's look-up and its creation (two converges
    at once), the module converges that role instead of failing.
  - "Policy documents (the trust policy and the inline policies) are compared as IAM reads them, not as
    text, with C(compare_policies) of amazon.aws: key order, a single value versus a one-element list
    (C(sts:AssumeRole) versus C([sts:AssumeRole])), C(Statement) as an object versus a list of one, and
    numbers versus strings are not differences. An equivalent document is not a change and is not rewritten."
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  name:
    description:
      - The name of the role.
    required: true
    type: str
  state:
    description:
      - Whether the role should exist.
      - With V(absent) the role's inline policies are deleted, its managed policies detached and the role
        removed from the instance profiles that hold it (the instance profiles themselves are kept),
        then the role is deleted.
    choices: ["present", "absent"]
    default: present
    type: str
  path:
    description:
      - The path of the role, part of its ARN. IAM cannot change the path of an existing role, so a
        role of this name at another path is reported as an error.
    default: /
    type: str
  description:
    description:
      - The description of the role. V("") clears it.
      - When not set, an existing role keeps its description and a new one has none.
    type: str
  service_principal:
    description:
      - The AWS service allowed to assume the role, for instance V(ecs-tasks.amazonaws.com).
      - Builds the trust policy C(Allow sts:AssumeRole) for C(Principal.Service) set to this value.
      - One of O(service_principal) and O(assume_role_policy_document) is required with O(state=present).
    type: str
  source_account:
    description:
      - The account ID the service must act for; adds the condition C(StringEquals aws:SourceAccount)
        to the trust policy built from O(service_principal), the guard against the confused-deputy problem.
    type: str
  assume_role_policy_document:
    description:
      - The whole trust policy, as a dict or a JSON string, for what O(service_principal) cannot express.
      - Mutually exclusive with O(service_principal).
    type: json
  policy_name:
    description:
      - The name of the role's inline policy. Required with O(policy_document).
    type: str
  policy_document:
    description:
      - The inline policy document, as a dict or a JSON string.
      - When not set, the role's inline policies are left alone (and O(purge_policies) does nothing).
    type: json
  purge_policies:
    description:
      - With O(policy_document), delete the role's other inline policies, so that O(policy_name) is
        the only one.
      - Managed policies are never touched by this option; see O(managed_policy_arns).
    type: bool
    default: true
  managed_policy_arns:
    description:
      - The ARNs of the managed policies attached to the role; those not listed are detached.
      - When not set, attached managed policies are left alone; V([]) detaches them all.
    type: list
    elements: str
  max_session_duration:
    description:
      - The maximum session duration in seconds, from 3600 to 43200.
      - When not set, an existing role keeps its setting and a new one has IAM's default, 3600.
    type: int
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the ECS task role, assumable by ECS tasks of this account only
  nestjs_playground.infra.iam_service_role:
    name: nestjs-playground-dev-task
    description: Role of the API's ECS tasks
    service_principal: ecs-tasks.amazonaws.com
    source_account: "{{ aws_account_id }}"
    policy_name: app
    policy_document:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: secretsmanager:GetSecretValue
          Resource: "{{ db_secret_arn }}"
    tags:
      App: nestjs-playground
      Env: dev

- name: Ensure the ECS task execution role with the AWS managed policy
  nestjs_playground.infra.iam_service_role:
    name: nestjs-playground-dev-execution
    service_principal: ecs-tasks.amazonaws.com
    managed_policy_arns:
      - arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy

- name: Ensure a role with a trust policy of its own
  nestjs_playground.infra.iam_service_role:
    name: scheduler-invoke
    assume_role_policy_document: "{{ lookup('file', 'scheduler-trust.json') }}"
    policy_name: run-task
    policy_document: "{{ lookup('template', 'run-task.json.j2') }}"

- name: Delete the role
  nestjs_playground.infra.iam_service_role:
    name: nestjs-playground-dev-task
    state: absent
"""

RETURN = r"""
role:
  description:
    - The role as it is after the run (in check mode, as it would be).
    - Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    role_name:
      description: The name of the role.
      type: str
      sample: nestjs-playground-dev-task
    arn:
      description:
        - The ARN of the role. Known in check mode too, before the role exists (built from the
          partition and account of the caller, as IAM builds it).
      type: str
      sample: arn:aws:iam::123456789012:role/nestjs-playground-dev-task
    path:
      description: The path of the role.
      type: str
      sample: /
    role_id:
      description: The unique ID of the role; absent in check mode before the role exists.
      type: str
    description:
      description: The description of the role; an empty string when it has none.
      type: str
    max_session_duration:
      description: The maximum session duration in seconds.
      type: int
      sample: 3600
    assume_role_policy_document:
      description: The trust policy.
      type: dict
    inline_policies:
      description: The role's inline policies, policy name to policy document.
      type: dict
      sample: {"app": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}
    managed_policy_arns:
      description: The ARNs of the attached managed policies, sorted.
      type: list
      elements: str
    tags:
      description: The role's tags.
      type: dict
"""

import json
from urllib.parse import unquote

from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.iam import validate_iam_identifiers
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import values_equal
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_role
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import CHANGED_MEANWHILE
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import owned_changes
# The fields this module owns, as compared and shown in the diff (tags are handled by tags.py).
OWNED = ("assume_role_policy_document", "description", "max_session_duration", "inline_policies", "managed_policy_arns")
# What IAM gives a new role for the fields not asked for.
CREATE_DEFAULTS = {"description": "", "max_session_duration": 3600, "inline_policies": {}, "managed_policy_arns": []}
MAX_SESSION_RANGE = (3600, 43200)


# Policy documents --------------------------------------------------------------------------------

def policy_from_aws(value):
    """A policy document as IAM returned it, as a dict.

    boto3 already URL-decodes and parses IAM's policy documents; other paths hand over the raw
    URL-encoded JSON string (``%7B%22Version%22...``), and a string that is already JSON is read as is.
    """
    if value is None or isinstance(value, dict):
        return value
    text = value.strip()
    if not text.startswith("{"):
        text = unquote(text)
    return json.loads(text)


def policy_from_option(value, option):
    """A policy document given as a module option (a dict, or the JSON string Ansible makes of it)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as e:
            raise ValueError(f"{option} is not valid JSON: {e}") from e
    if not isinstance(value, dict):
        raise ValueError(f"{option} must be a JSON object (a dict), not {type(value).__name__}")
    return value


def policies_equal(one, other):
    """Whether two policy documents mean the same to IAM (see amazon.aws compare_policies).

    Key order, a value versus a one-element list, Statement as an object or a list of one, and
    numbers or booleans versus their string form are not differences; a missing Version is IAM's
    default, 2008-10-17.
    """
    if one is None or other is None:
        return one is other
    return not compare_policies(one, other)


def keep_equivalent(wanted, have):
    """``have`` when it means the same as ``wanted``, else ``wanted``: an equivalent document is not rewritten."""
    return have if policies_equal(wanted, have) else wanted


def service_trust_policy(service_principal, source_account=None):
    """The trust policy that lets ``service_principal`` assume the role (for ``source_account`` only)."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": service_principal},
        "Action": "sts:AssumeRole",
    }
    if source_account:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def role_arn(partition, account, path, name):
    """The ARN IAM gives a role: arn:<partition>:iam::<account>:role<path><name>."""
    return f"arn:{partition}:iam::{account}:role{path}{name}"


# Deciding ----------------------------------------------------------------------------------------

def desired_state(params):
    """What the options ask for; None means 'leave alone'. Raises ValueError on options IAM would refuse."""
    problem = validate_iam_identifiers("role", name=params["name"], path=params.get("path") or "/")
    if problem:
        raise ValueError(problem)
    source_account = params.get("source_account")
    if source_account is not None and not (len(source_account) == 12 and source_account.isdigit()):
        raise ValueError(f"source_account must be a 12-digit AWS account ID, not {source_account!r}")
    max_session = params.get("max_session_duration")
    if max_session is not None and not MAX_SESSION_RANGE[0] <= max_session <= MAX_SESSION_RANGE[1]:
        raise ValueError(f"max_session_duration must be from {MAX_SESSION_RANGE[0]} to {MAX_SESSION_RANGE[1]} seconds")
    if params.get("assume_role_policy_document") is not None:
        trust = policy_from_option(params["assume_role_policy_document"], "assume_role_policy_document")
    elif params.get("service_principal"):
        trust = service_trust_policy(params["service_principal"], source_account)
    else:
        trust = None
    arns = params.get("managed_policy_arns")
    return {
        "path": params.get("path") or "/",
        "assume_role_policy_document": trust,
        "description": params.get("description"),
        "max_session_duration": max_session,
        "policy_name": params.get("policy_name"),
        "policy_document": policy_from_option(params.get("policy_document"), "policy_document"),
        "purge_policies": params.get("purge_policies", True),
        "managed_policy_arns": None if arns is None else sorted(set(arns)),
    }


def _wanted_inline_policies(desired, current_policies):
    """The inline policies the role must end with; None when they are left alone."""
    if desired["policy_document"] is None:
        return None
    wanted = {} if desired["purge_policies"] else dict(current_policies)
    name = desired["policy_name"]
    wanted[name] = keep_equivalent(desired["policy_document"], current_policies.get(name))
    return wanted


def plan(desired, current, desired_tags, purge_tags):
    """What must be done to go from ``current`` (None: absent) to ``desired``.

    Returns a dict: ``create``, ``update_trust``, ``update_role`` (description / maximum session),
    ``policies_to_put`` (name to document), ``policies_to_delete``, ``policies_to_attach``,
    ``policies_to_detach``, ``tags_to_set``, ``tags_to_remove``, ``before`` and ``after`` (the owned
    fields and tags) and ``changed``. Pure: no AWS call. Raises ValueError when the role of this name
    sits at another path, which IAM cannot change.
    """
    before = None
    if current is not None:
        if current["path"] != desired["path"]:
            raise ValueError(
                f"IAM role {current['role_name']} exists with path {current['path']}, not {desired['path']}; "
                "IAM cannot change the path of a role: delete it first or ask for its path"
            )
        before = {key: current[key] for key in OWNED}
        before["tags"] = current["tags"]
    have = before or {}
    wanted = {
        "assume_role_policy_document": keep_equivalent(
            desired["assume_role_policy_document"], have.get("assume_role_policy_document")
        ),
        "description": desired["description"],
        "max_session_duration": desired["max_session_duration"],
        "inline_policies": _wanted_inline_policies(desired, have.get("inline_policies") or {}),
        "managed_policy_arns": desired["managed_policy_arns"],
    }
    fields, to_set, to_remove, after = owned_changes(wanted, before, desired_tags, purge_tags)
    if current is None:
        for key, value in CREATE_DEFAULTS.items():
            after.setdefault(key, value)

    old_policies, new_policies = have.get("inline_policies") or {}, after["inline_policies"]
    old_arns, new_arns = set(have.get("managed_policy_arns") or []), set(after["managed_policy_arns"])
    return {
        "create": current is None,
        "update_trust": current is not None and "assume_role_policy_document" in fields,
        "update_role": current is not None and bool({"description", "max_session_duration"} & set(fields)),
        "policies_to_put": {
            name: document for name, document in new_policies.items()
            if name not in old_policies or not values_equal(document, old_policies[name])
        },
        "policies_to_delete": sorted(set(old_policies) - set(new_policies)),
        "policies_to_attach": sorted(new_arns - old_arns),
        "policies_to_detach": sorted(old_arns - new_arns),
        "tags_to_set": to_set,
        "tags_to_remove": to_remove,
        "before": before or {},
        "after": after,
        "changed": current is None or bool(fields or to_set or to_remove),
    }


# AWS ---------------------------------------------------------------------------------------------

class Role(Resource):
    """The IAM role ``name``, with its trust policy, inline policies, managed policy attachments and tags."""

    service = "iam"
    kind = "IAM role"

    def __init__(self, module, desired=None):
        super().__init__(module)
        self.desired = desired_state(self.params) if desired is None else desired

    @staticmethod
    def parameters_problem(params):
        try:
            desired_state(params)
        except ValueError as e:
            return str(e)
        return None

    def describe(self):
        """The role as ``plan`` reads it, or None when it does not exist."""
        role = find_role(self.aws, self.name, f"read {self.what}")
        if role is None:
            return None
        inline = f"read the inline policies of {self.what}"
        policies = self.aws.pages(inline, "list_role_policies", RoleName=self.name)["PolicyNames"]
        attached = self.aws.pages(f"read the managed policies of {self.what}", "list_attached_role_policies", RoleName=self.name)
        return {
            "role_name": role["RoleName"],
            "arn": role["Arn"],
            "path": role.get("Path", "/"),
            "role_id": role.get("RoleId"),
            "assume_role_policy_document": policy_from_aws(role.get("AssumeRolePolicyDocument")),
            # IAM leaves out an empty description; moto returns "" once one was cleared.
            "description": role.get("Description") or "",
            "max_session_duration": role.get("MaxSessionDuration", 3600),
            "inline_policies": {policy: policy_from_aws(self.aws.call(inline, "get_role_policy", RoleName=self.name,
                                                                      PolicyName=policy)["PolicyDocument"])
                                for policy in policies},
            "managed_policy_arns": sorted(policy["PolicyArn"] for policy in attached["AttachedPolicies"]),
            "tags": boto3_tag_list_to_ansible_dict(role.get("Tags", [])),
        }

    def plan(self, current):
        try:
            return plan(self.desired, current, self.params["tags"], self.params["purge_tags"])
        except ValueError as e:
            return {"problem": str(e)}

    def owned(self, current):
        return {key: current[key] for key in OWNED + ("tags",)}

    def apply(self, decision, current):
        name, after = self.name, decision["after"]
        state = dict(current or {})
        if decision["create"]:
            request = {"RoleName": name, "Path": self.desired["path"], "MaxSessionDuration": after["max_session_duration"],
                       "AssumeRolePolicyDocument": json.dumps(after["assume_role_policy_document"])}
            if after["description"]:
                request["Description"] = after["description"]
            request.update(self.tags.create_argument(after["tags"]))
            created = self.aws.call(f"create {self.what}", "create_role", exists=None, **request)
            if created is None:   # created by another run since this one looked (two converges at once): converge that role
                return CHANGED_MEANWHILE
            state.update(arn=created["Role"]["Arn"], role_id=created["Role"].get("RoleId"))
            # IAM is eventually consistent: wait until the role can be read before writing its policies.
            self.aws.wait("role_exists", self.what, 30, 1, state="visible to IAM", RoleName=name)
        if decision["update_trust"]:
            self.aws.call(f"update the trust policy of {self.what}", "update_assume_role_policy", RoleName=name,
                          PolicyDocument=json.dumps(after["assume_role_policy_document"]))
        if decision["update_role"]:
            # Both settings, each the value to keep: moto resets an omitted Description to none and an omitted
            # MaxSessionDuration to 3600, and the IAM API reference says the latter of AWS too.
            request = {"RoleName": name, "MaxSessionDuration": after["max_session_duration"]}
            if after["description"] or decision["before"].get("description"):
                request["Description"] = after["description"]
            self.aws.call(f"update the description or maximum session duration of {self.what}", "update_role", **request)
        # Put before delete and attach before detach: the role never holds fewer permissions than
        # both the old and the new set while it changes.
        for policy_name, document in decision["policies_to_put"].items():
            self.aws.call(f"put inline policy {policy_name} of {self.what}", "put_role_policy", RoleName=name,
                          PolicyName=policy_name, PolicyDocument=json.dumps(document))
        self.delete_policies(decision["policies_to_delete"])
        for arn in decision["policies_to_attach"]:
            self.aws.call(f"attach managed policy {arn} to {self.what}", "attach_role_policy", RoleName=name, PolicyArn=arn)
        self.detach_policies(decision["policies_to_detach"])
        if not decision["create"]:
            self.retag(name, decision)
        return state

    def delete_policies(self, names):
        for policy_name in names:
            self.aws.call(f"delete inline policy {policy_name} of {self.what}", "delete_role_policy", missing=None,
                          RoleName=self.name, PolicyName=policy_name)

    def detach_policies(self, arns):
        for arn in arns:
            self.aws.call(f"detach managed policy {arn} from {self.what}", "detach_role_policy", missing=None,
                          RoleName=self.name, PolicyArn=arn)

    def delete(self, current):
        """IAM refuses DeleteRole while the role has policies or instance profiles: remove those first."""
        self.delete_policies(current["inline_policies"])
        self.detach_policies(current["managed_policy_arns"])
        action = f"remove {self.what} from its instance profiles"
        profiles = self.aws.pages(action, "list_instance_profiles_for_role", missing={}, RoleName=self.name)
        for profile in profiles.get("InstanceProfiles", []):
            self.aws.call(action, "remove_role_from_instance_profile", missing=None,
                          InstanceProfileName=profile["InstanceProfileName"], RoleName=self.name)
        self.aws.call(f"delete {self.what}", "delete_role", missing=None, RoleName=self.name)

    def result(self, decision, state):
        result = {"role_name": self.name, "path": self.desired["path"]}
        if state is not None:
            result.update(arn=state["arn"], role_id=state["role_id"])
        else:   # the ARN it will have, from the caller's partition and account (sts:GetCallerIdentity)
            account, partition = get_aws_account_info(self.module)
            result["arn"] = role_arn(partition, account, self.desired["path"], self.name)
        result.update(decision["after"])
        return result


def main():
    run_module(Role, "role", resource_argument_spec(
        path=dict(type="str", default="/"),
        description=dict(type="str"),
        service_principal=dict(type="str"),
        source_account=dict(type="str"),
        assume_role_policy_document=dict(type="json"),
        policy_name=dict(type="str"),
        policy_document=dict(type="json"),
        purge_policies=dict(type="bool", default=True),
        managed_policy_arns=dict(type="list", elements="str"),
        max_session_duration=dict(type="int"),
    ), mutually_exclusive=[["service_principal", "assume_role_policy_document"]],
        required_if=[["state", "present", ["service_principal", "assume_role_policy_document"], True]],
        required_by={"policy_document": "policy_name", "source_account": "service_principal"})


if __name__ == "__main__":
    main()
