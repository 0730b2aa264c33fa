#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_task_definition_info
version_added: 0.1.0
short_description: Find one ACTIVE revision of an Amazon ECS task definition family - the latest, a given one, the one before another, or one running an image
description:
  - Reads, without changing anything, the C(ACTIVE) revisions of exactly one task definition family and
    returns one of them, chosen by at most one of O(revision), O(before_revision) and O(running_image)
    (none of them - the latest), with the images its containers run; and the numbers of every
    C(ACTIVE) revision.
  - The rollback playbook uses it to find the revision to go back to - the one before the revision a
    service runs, or a named one - and the scheduler's revision that runs the same image.
  - Written because C(community.aws.ecs_taskdefinition_info) describes one revision it is given and
    cannot find the previous C(ACTIVE) revision of a family, nor one running a given image.
  - Describes only the revisions it needs (newest first, stopping at the first match).
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  family:
    description: The task definition family (exactly this family, not the families it is a prefix of).
    type: str
    required: true
  revision:
    description: Return this revision; none when it is not C(ACTIVE).
    type: int
  before_revision:
    description: Return the newest C(ACTIVE) revision below this number; none when there is none.
    type: int
  running_image:
    description:
      - Return the newest C(ACTIVE) revision one of whose containers runs exactly this image (for example
        C(123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground:1.4.2)); none when there is none.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode (it never changes anything).
  - The AWS calls are C(ListTaskDefinitions) and C(DescribeTaskDefinition).
"""

EXAMPLES = r"""
- name: Find the revision before the one the service runs (revision 7)
  nestjs_playground.infra.ecs_task_definition_info:
    family: nestjs-playground-dev
    before_revision: 7
  register: previous

- name: Find the scheduler's newest revision running the same image
  nestjs_playground.infra.ecs_task_definition_info:
    family: nestjs-playground-scheduler-dev
    running_image: "{{ previous.task_definition.images[0] }}"
"""

RETURN = r"""
task_definition:
  description: The revision found; V(null) when none matches (or the family has no C(ACTIVE) revision).
  returned: always
  type: dict
  contains:
    task_definition_arn: {description: Its ARN., type: str}
    family: {description: The family., type: str}
    revision: {description: The revision number., type: int}
    images: {description: "The images of its containers, in their order.", type: list, elements: str}
    containers: {description: Container name -> image., type: dict}
    registered_at: {description: When it was registered (ISO 8601)., type: str}
active_revisions:
  description: The numbers of every C(ACTIVE) revision of the family, newest first.
  returned: always
  type: list
  elements: int
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_task_definition
from ansible_collections.nestjs_playground.infra.plugins.module_utils.ecs_task_definitions import active_revision_arns
from ansible_collections.nestjs_playground.infra.plugins.module_utils.ecs_task_definitions import family_of
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import ServiceCalls


def candidates(active, revision=None, before_revision=None):
    """The revision numbers to describe, in order, until one matches: from ``active`` (newest first)."""
    if revision is not None:
        return [revision] if revision in active else []
    if before_revision is not None:
        return [number for number in active if number < before_revision][:1]
    return list(active)


def summary(definition):
    """The ``task_definition`` result from a DescribeTaskDefinition taskDefinition."""
    containers = definition.get("containerDefinitions") or []
    registered = definition.get("registeredAt")
    return {
        "task_definition_arn": definition["taskDefinitionArn"],
        "family": definition.get("family"),
        "revision": definition.get("revision"),
        "images": [c.get("image") for c in containers],
        "containers": {c.get("name"): c.get("image") for c in containers},
        "registered_at": registered.isoformat() if hasattr(registered, "isoformat") else registered,
    }


def matches(found, running_image):
    return running_image is None or running_image in found["images"]


def main():
    argument_spec = dict(
        family=dict(type="str", required=True),
        revision=dict(type="int"),
        before_revision=dict(type="int"),
        running_image=dict(type="str"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("revision", "before_revision", "running_image")],
    )
    ecs = ServiceCalls(module, "ecs")
    family = module.params["family"]
    with ecs.failing(f"list the task definitions of family {family}"):
        arns = {family_of(arn)[1]: arn for arn in active_revision_arns(ecs.client, ecs.retry, family)}
    active = sorted(arns, reverse=True)
    found = None
    for number in candidates(active, module.params["revision"], module.params["before_revision"]):
        definition = find_task_definition(ecs, arns[number], f"describe task definition {arns[number]}")["taskDefinition"]
        if matches(summary(definition), module.params["running_image"]):   # without running_image: the first
            found = summary(definition)
            break
    module.exit_json(changed=False, task_definition=found, active_revisions=active)


if __name__ == "__main__":
    main()
