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

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import changed_fields
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import make_diff
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import predicted_state
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_changes
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tags_after
from ansible_collections.nestjs_playground.infra.plugins.module_utils.throttling import jittered_backoff

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
    fields = changed_fields(desired, before)
    to_set, to_remove = tag_changes((before or {}).get("tags"), desired_tags, purge_tags)
    after = predicted_state(desired, before)
    after["tags"] = tags_after((before or {}).get("tags"), desired_tags, purge_tags)
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


class Repositories:
    """The ECR calls this module makes, each retried with jittered backoff on throttling."""

    def __init__(self, module):
        self.module = module
        self.client = module.client("ecr", retry_decorator=jittered_backoff())

    def describe(self, name):
        try:
            repos = self.client.describe_repositories(aws_retry=True, repositoryNames=[name])["repositories"]
        except is_boto3_error_code("RepositoryNotFoundException"):
            return None
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Unable to describe ECR repository {name}")
        repo = repos[0]
        try:
            tags = self.client.list_tags_for_resource(aws_retry=True, resourceArn=repo["repositoryArn"])["tags"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg=f"Unable to read the tags of ECR repository {name}")
        return self._state(repo, boto3_tag_list_to_ansible_dict(tags), self._lifecycle_policy(name))

    def _lifecycle_policy(self, name):
        try:
            text = self.client.get_lifecycle_policy(aws_retry=True, repositoryName=name)["lifecyclePolicyText"]
        except is_boto3_error_code("LifecyclePolicyNotFoundException"):
            return {}
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Unable to read the lifecycle policy of ECR repository {name}")
        return json.loads(text)

    @staticmethod
    def _state(repo, tags, policy):
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

    def create(self, name, after):
        try:
            repo = self.client.create_repository(
                aws_retry=True,
                repositoryName=name,
                imageTagMutability=after["image_tag_mutability"],
                imageScanningConfiguration={"scanOnPush": after["scan_on_push"]},
                tags=ansible_dict_to_boto3_tag_list(after["tags"]),
            )["repository"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg=f"Unable to create ECR repository {name}")
        return self._state(repo, after["tags"], {})

    def write(self, name, field, value):
        try:
            if field == "image_tag_mutability":
                self.client.put_image_tag_mutability(aws_retry=True, repositoryName=name, imageTagMutability=value)
            elif field == "scan_on_push":
                self.client.put_image_scanning_configuration(
                    aws_retry=True, repositoryName=name, imageScanningConfiguration={"scanOnPush": value}
                )
            elif value:
                self.client.put_lifecycle_policy(aws_retry=True, repositoryName=name, lifecyclePolicyText=json.dumps(value))
            else:
                self.client.delete_lifecycle_policy(aws_retry=True, repositoryName=name)
        except is_boto3_error_code("LifecyclePolicyNotFoundException"):
            pass
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Unable to update {field} of ECR repository {name}")

    def retag(self, arn, to_set, to_remove):
        try:
            if to_remove:
                self.client.untag_resource(aws_retry=True, resourceArn=arn, tagKeys=to_remove)
            if to_set:
                self.client.tag_resource(aws_retry=True, resourceArn=arn, tags=ansible_dict_to_boto3_tag_list(to_set))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg=f"Unable to update the tags of ECR repository {arn}")

    def delete(self, name, force):
        try:
            self.client.delete_repository(aws_retry=True, repositoryName=name, force=force)
        except is_boto3_error_code("RepositoryNotFoundException"):
            return
        except is_boto3_error_code("RepositoryNotEmptyException"):
            self.module.fail_json(
                msg=f"ECR repository {name} still holds images; delete them first or set force_delete: true"
            )
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Unable to delete ECR repository {name}")


def ensure_absent(module, repos, name, current):
    if current is None:
        module.exit_json(changed=False, repository={}, diff=make_diff({}, {}))
    before = {key: current[key] for key in OWNED}
    if not module.check_mode:
        repos.delete(name, module.params["force_delete"])
    module.exit_json(changed=True, repository={}, diff=make_diff(before, {}))


def ensure_present(module, repos, name, current):
    decision = plan(desired_state(module.params), current, module.params["tags"], module.params["purge_tags"])
    result = dict(current or {"repository_name": name})
    result.update(decision["after"])
    if decision["changed"] and not module.check_mode:
        if decision["create"]:
            created = repos.create(name, decision["after"])
            result.update({key: created[key] for key in ("repository_arn", "repository_uri", "registry_id")})
        for field in decision["fields"]:
            repos.write(name, field, decision["after"][field])
        if not decision["create"]:
            repos.retag(result["repository_arn"], decision["tags_to_set"], decision["tags_to_remove"])
    module.exit_json(
        changed=decision["changed"],
        repository=result,
        diff=make_diff(decision["before"], decision["after"]),
    )


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        scan_on_push=dict(type="bool"),
        image_tag_mutability=dict(type="str", choices=["MUTABLE", "IMMUTABLE"]),
        lifecycle_policy=dict(type="json"),
        purge_lifecycle_policy=dict(type="bool", default=False),
        force_delete=dict(type="bool", default=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[["lifecycle_policy", "purge_lifecycle_policy"]],
    )
    repos = Repositories(module)
    name = module.params["name"]
    current = repos.describe(name)
    if module.params["state"] == "absent":
        ensure_absent(module, repos, name, current)
    ensure_present(module, repos, name, current)


if __name__ == "__main__":
    main()
