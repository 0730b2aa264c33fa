#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_image_info
version_added: 0.1.0
short_description: Read which image tags an Amazon ECR repository holds
description:
  - Reads, without changing anything, whether each of the given tags names an image in one ECR
    repository, with the image's digest and when it was pushed; and, when a tag is missing, the
    repository's most recently pushed tags, so that a message can say what there is instead.
  - The deploy and rollback playbooks use it to refuse a version that was never pushed, before any
    change.
  - Written because amazon.aws 10.1.2 and community.aws 10.0.0 have no module that reads ECR images.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  repository_name:
    description: The repository.
    type: str
    required: true
  image_tags:
    description: The tags to look for.
    type: list
    elements: str
    required: true
  recent_tags_count:
    description: How many of the repository's most recently pushed tags to return when a tag is missing.
    type: int
    default: 10
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode (it never changes anything).
  - The AWS calls are C(DescribeImages) (one per tag; and, when a tag is missing, the repository's
    images) and nothing else.
"""

EXAMPLES = r"""
- name: Read whether version 1.4.2 was pushed
  nestjs_playground.infra.ecr_image_info:
    repository_name: nestjs-playground
    image_tags: ["1.4.2"]
  register: pushed

- name: Refuse a version that was never pushed
  ansible.builtin.assert:
    that: pushed.missing_tags | length == 0
    fail_msg: "1.4.2 is not in the repository; it holds {{ pushed.recent_tags | join(', ') }}"
"""

RETURN = r"""
repository_exists:
  description: Whether the repository exists (when it does not, every tag is missing).
  returned: always
  type: bool
images:
  description: The images found, one per tag asked, in the order asked.
  returned: always
  type: list
  elements: dict
  contains:
    tag: {description: The tag asked for., type: str}
    digest: {description: The image's digest., type: str, sample: "sha256:0123..."}
    pushed_at: {description: When it was pushed (ISO 8601)., type: str}
    tags: {description: Every tag of that image., type: list, elements: str}
missing_tags:
  description: The tags asked for that name no image.
  returned: always
  type: list
  elements: str
recent_tags:
  description: The repository's most recently pushed tags, newest first (at most O(recent_tags_count)); empty when no tag is missing.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import ServiceCalls
from ansible_collections.nestjs_playground.infra.plugins.module_utils.times import as_text


def image_summary(tag, detail):
    """One ``images`` entry from a DescribeImages imageDetail."""
    return {
        "tag": tag,
        "digest": detail.get("imageDigest"),
        "pushed_at": as_text(detail.get("imagePushedAt")),
        "tags": sorted(detail.get("imageTags") or []),
    }


def recent_tags(details, count):
    """The tags of ``details`` (DescribeImages imageDetails), most recently pushed first, at most ``count``."""
    ordered = sorted(details, key=lambda d: str(as_text(d.get("imagePushedAt")) or ""), reverse=True)
    tags = []
    for detail in ordered:
        for tag in sorted(detail.get("imageTags") or []):
            if tag not in tags:
                tags.append(tag)
    return tags[:max(0, count)]


NO_REPOSITORY = "no repository"


class Images:
    """The two reads, through ECR's ``resource.ServiceCalls`` (retried through throttling, failing with what
    was being read)."""

    def __init__(self, module):
        self.aws = ServiceCalls(module, "ecr")

    def by_tag(self, repository, tag):
        """(the repository exists, the image detail or None)."""
        details = self.aws.call(f"describe image {repository}:{tag}", "describe_images",
                                answers={"RepositoryNotFoundException": NO_REPOSITORY, "ImageNotFoundException": {}},
                                repositoryName=repository, imageIds=[{"imageTag": tag}])
        if details == NO_REPOSITORY:
            return False, None
        found = details.get("imageDetails") or []
        return True, (found[0] if found else None)

    def all(self, repository):
        return self.aws.pages(f"list the images of repository {repository}", "describe_images",
                              repositoryName=repository, filter={"tagStatus": "TAGGED"})["imageDetails"]


def main():
    argument_spec = dict(
        repository_name=dict(type="str", required=True),
        image_tags=dict(type="list", elements="str", required=True),
        recent_tags_count=dict(type="int", default=10),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    images = Images(module)
    repository = module.params["repository_name"]
    exists, found, missing = True, [], []
    for tag in module.params["image_tags"]:
        exists, detail = images.by_tag(repository, tag)
        if not exists:
            missing = list(module.params["image_tags"])
            found = []
            break
        if detail is None:
            missing.append(tag)
        else:
            found.append(image_summary(tag, detail))
    recent = recent_tags(images.all(repository), module.params["recent_tags_count"]) if missing and exists else []
    module.exit_json(changed=False, repository_exists=exists, images=found, missing_tags=missing, recent_tags=recent)


if __name__ == "__main__":
    main()
