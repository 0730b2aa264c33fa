#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_repository
version_added: 0.1.0
short_description: Ensure an Amazon ECR repository with its scanning, tag mutability, lifecycle policy and tags
description:
  - Creates, updates or deletes one Amazon ECR repository, and converges in one call what the ECR
    stack of the former CDK app owned - image scanning on push, tag mutability, the lifecycle policy
    and the resource tags.
  - Written because C(community.aws.ecs_ecr) cannot manage tags on a repository, and the
    specification tags every resource with C(App), C(Env), C(OU) and C(Owner).
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same
    C(changed) and C(diff) that the real run would.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  name:
    description:
      - The name of the repository.
    required: true
    type: str
  state:
    description:
      - Whether the repository should exist.
    choices: ["present", "absent"]
    default: present
    type: str
  scan_on_push:
    description:
      - Whether images are scanned for vulnerabilities when they are pushed.
      - When not set, an existing repository keeps its setting and a new one is not scanned.
    type: bool
  image_tag_mutability:
    description:
      - Whether image tags can be overwritten.
      - When not set, an existing repository keeps its setting and a new one is C(MUTABLE).
    choices: ["MUTABLE", "IMMUTABLE"]
    type: str
  lifecycle_policy:
    description:
      - The lifecycle policy document, as a dict or a JSON string.
      - Compared with the stored policy as parsed JSON, so formatting differences are not changes.
      - When not set, the repository's lifecycle policy is left alone.
      - Mutually exclusive with O(purge_lifecycle_policy).
    type: json
  purge_lifecycle_policy:
    description:
      - Remove the repository's lifecycle policy.
      - Mutually exclusive with O(lifecycle_policy).
    type: bool
    default: false
  force_delete:
    description:
      - With O(state=absent), delete the repository even when it still holds images.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the application's repository
  nestjs_playground.infra.ecr_repository:
    name: nestjs-playground
    scan_on_push: true
    image_tag_mutability: MUTABLE
    lifecycle_policy:
      rules:
        - rulePriority: 1
          description: Expire untagged images after 14 days
          selection:
            tagStatus: untagged
            countType: sinceImagePushed
            countUnit: days
            countNumber: 14
          action:
            type: expire
    tags:
      App: nestjs-playground
      Env: dev

- name: Delete a repository and every image in it
  nestjs_playground.infra.ecr_repository:
    name: nestjs-playground
    state: absent
    force_delete: true
"""

RETURN = r"""
repository:
  description:
    - The repository as it is after the run (in check mode, as it would be).
    - Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    repository_name:
      description: The name of the repository.
      type: str
      sample: nestjs-playground
    repository_arn:
      description: The ARN of the repository; absent in check mode before the repository exists.
      type: str
      sample: arn:aws:ecr:us-east-1:123456789012:repository/nestjs-playground
    repository_uri:
      description: The URI to push and pull images; absent in check mode before the repository exists.
      type: str
      sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground
    registry_id:
      description: The account that holds the repository.
      type: str
    image_tag_mutability:
      description: C(MUTABLE) or C(IMMUTABLE).
      type: str
    scan_on_push:
      description: Whether images are scanned on push.
      type: bool
    lifecycle_policy:
      description: The lifecycle policy as a dict, or null when there is none.
      type: dict
    tags:
      description: The repository's tags.
      type: dict
"""

import json

from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_repository
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import CHANGED_MEANWHILE
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import owned_changes

# The fields this module owns, as compared and shown in the diff.
OWNED = ("image_tag_mutability", "scan_on_push", "lifecycle_policy", "tags")


def desired_state(params):
    """The owned fields as asked; None means 'leave alone'. An empty dict is 'no policy'."""
    policy = params.get("lifecycle_policy")
    if params.get("purge_lifecycle_policy"):
        policy = {}
    elif policy is not None:
        policy = json.loads(policy) if isinstance(policy, str) else policy
    return {
        "image_tag_mutability": params.get("image_tag_mutability"),
        "scan_on_push": params.get("scan_on_push"),
        "lifecycle_policy": policy,
    }


def plan(desired, current, desired_tags, purge_tags):
    """What must be done to go from ``current`` (None: absent) to ``desired``.

    Returns a dict: ``create`` (bool), ``fields`` (owned fields to write, in order), ``tags_to_set``
    and ``tags_to_remove``, and ``after`` (the owned fields once done). Pure: no AWS call.
    """
    before = None
    if current is not None:
        before = {key: current[key] for key in OWNED if key in current}
        # An absent lifecycle policy reads as {} so that 'purge' and 'absent' compare equal.
        before["lifecycle_policy"] = current.get("lifecycle_policy") or {}
    fields, to_set, to_remove, after = owned_changes(desired, before, desired_tags, purge_tags)
    if current is None:
        after.setdefault("image_tag_mutability", "MUTABLE")
        after.setdefault("scan_on_push", False)
        after.setdefault("lifecycle_policy", {})
        # A new repository takes every field at creation; only the policy needs a second call.
        fields = ["lifecycle_policy"] if after["lifecycle_policy"] else []
    return {
        "create": current is None,
        "fields": fields,
        "tags_to_set": to_set,
        "tags_to_remove": to_remove,
        "before": before or {},
        "after": after,
        "changed": current is None or bool(fields or to_set or to_remove),
    }


def repository_state(repo, tags, policy):
    """The repository as this module reads it: its identity and owned fields. Pure."""
    return {
        "repository_name": repo["repositoryName"],
        "repository_arn": repo["repositoryArn"],
        "repository_uri": repo["repositoryUri"],
        "registry_id": repo["registryId"],
        "image_tag_mutability": repo.get("imageTagMutability", "MUTABLE"),
        "scan_on_push": repo.get("imageScanningConfiguration", {}).get("scanOnPush", False),
        "lifecycle_policy": policy,
        "tags": tags,
    }


class Repository(Resource):
    """The ECR repository ``name``, with its scanning, tag mutability, lifecycle policy and tags."""

    service = "ecr"
    kind = "ECR repository"

    def describe(self):
        repo = find_repository(self.aws, self.name, f"describe {self.what}")
        return None if repo is None else repository_state(repo, self.tags.read(repo["repositoryArn"], self.what), self.lifecycle_policy())

    def lifecycle_policy(self):
        """The repository's lifecycle policy as a dict ({} when it has none)."""
        policy = self.aws.call(f"read the lifecycle policy of {self.what}", "get_lifecycle_policy", missing=None,
                               repositoryName=self.name)
        return json.loads(policy["lifecyclePolicyText"]) if policy else {}

    def plan(self, current):
        return plan(desired_state(self.params), current, self.params["tags"], self.params["purge_tags"])

    def owned(self, current):
        return {key: current[key] for key in OWNED}

    def apply(self, decision, current):
        after = decision["after"]
        state = dict(current or {}, **after)
        if decision["create"]:
            # Created meanwhile by another run - the repository is shared by the environments of one account, which
            # converge at the same time (several hosts of one inventory): converge it like any existing one.
            created = self.aws.call(f"create {self.what}", "create_repository", exists=None, repositoryName=self.name,
                                    imageTagMutability=after["image_tag_mutability"],
                                    imageScanningConfiguration={"scanOnPush": after["scan_on_push"]},
                                    tags=self.tags.tags_at_create(after["tags"]))
            if created is None:
                return CHANGED_MEANWHILE
            state = repository_state(created["repository"], after["tags"], after["lifecycle_policy"])
        for field in decision["fields"]:
            self.write(field, after[field])
        if not decision["create"]:
            self.retag(current["repository_arn"], decision)
        return state

    def write(self, field, value):
        action = f"update {field} of {self.what}"
        if field == "image_tag_mutability":
            self.aws.call(action, "put_image_tag_mutability", repositoryName=self.name, imageTagMutability=value)
        elif field == "scan_on_push":
            self.aws.call(action, "put_image_scanning_configuration", repositoryName=self.name,
                          imageScanningConfiguration={"scanOnPush": value})
        elif value:
            self.aws.call(action, "put_lifecycle_policy", repositoryName=self.name, lifecyclePolicyText=json.dumps(value))
        else:
            self.aws.call(action, "delete_lifecycle_policy", missing=None, repositoryName=self.name)

    def delete(self, current):
        self.aws.call(f"delete {self.what}", "delete_repository", missing=None, repositoryName=self.name,
                      force=self.params["force_delete"], refusals={"RepositoryNotEmptyException": (
                          f"{self.what} still holds images; delete them first or set force_delete: true")})

    def result(self, decision, state):
        result = dict(state or {"repository_name": self.name})
        result.update(decision["after"])
        return result


def main():
    run_module(Repository, "repository", resource_argument_spec(
        scan_on_push=dict(type="bool"),
        image_tag_mutability=dict(type="str", choices=["MUTABLE", "IMMUTABLE"]),
        lifecycle_policy=dict(type="json"),
        purge_lifecycle_policy=dict(type="bool", default=False),
        force_delete=dict(type="bool", default=False),
    ), mutually_exclusive=[["lifecycle_policy", "purge_lifecycle_policy"]])


if __name__ == "__main__":
    main()
