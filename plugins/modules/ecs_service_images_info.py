#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_service_images_info
version_added: 0.1.0
short_description: Read which Amazon ECS services of a region run images of one ECR repository
description:
  - Reads, without changing anything, every active ECS service of every cluster of the account and region, the
    task definitions its deployments run (a service in the middle of a deployment runs two), and keeps the services
    that run at least one container image of the given ECR repository, with those images.
  - The teardown (playbooks/destroy.yml) uses it before any deletion, to refuse to delete the repository that the
    environments of one account share while a service of another environment still runs its images.
  - Written because amazon.aws 10.1.2 and community.aws 10.0.0 have no module that finds the services running an
    image.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  repository_name:
    description: The ECR repository, in the account and region of the credentials.
    type: str
    required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode (it never changes anything).
  - The AWS calls are C(DescribeRepositories) (the repository's URI), C(ListClusters), C(ListServices) and
    C(DescribeServices) (ten services a call) for each cluster, and C(DescribeTaskDefinition) once for each task
    definition the active services run; nothing when the repository does not exist.
  - An image of the repository is C(<repository URI>), C(<repository URI>:<tag>) or C(<repository URI>@<digest>).
"""

EXAMPLES = r"""
- name: Find the services that run images of the shared repository
  nestjs_playground.infra.ecs_service_images_info:
    repository_name: nestjs-playground
  register: users

- name: Refuse to delete the repository while another environment's service runs its images
  ansible.builtin.assert:
    that: users.services | rejectattr('cluster', 'eq', 'nestjs-playground-dev') | list | length == 0
"""

RETURN = r"""
repository_exists:
  description: Whether the repository exists (when it does not, no service is read and none is returned).
  returned: always
  type: bool
repository_uri:
  description: The repository's URI; null when it does not exist.
  returned: always
  type: str
  sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground
services:
  description: The active services that run at least one image of the repository, by cluster and service name.
  returned: always
  type: list
  elements: dict
  contains:
    cluster: {description: The cluster's name., type: str}
    service: {description: The service's name., type: str}
    service_arn: {description: The service's ARN., type: str}
    desired_count: {description: The tasks the service wants., type: int}
    running_count: {description: The tasks it runs., type: int}
    task_definitions:
      description: The task definitions its deployments run (ARNs).
      type: list
      elements: str
    images:
      description: The images of the repository those task definitions run (sorted).
      type: list
      elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_ecs_services
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_repository
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import ServiceCalls

# DescribeServices takes at most ten services a call.
DESCRIBE_SERVICES_BATCH = 10


def of_repository(image, repository_uri):
    """Whether the container ``image`` reference is an image of the repository ``repository_uri``."""
    return image == repository_uri or image.startswith((repository_uri + ":", repository_uri + "@"))


def task_definitions_of(service):
    """The task definitions a described service runs: each deployment's, else the service's own; in order, once each."""
    arns = [d.get("taskDefinition") for d in service.get("deployments") or []] or [service.get("taskDefinition")]
    found = []
    for arn in arns:
        if arn and arn not in found:
            found.append(arn)
    return found


def service_entry(cluster_name, service, images):
    """One ``services`` entry: ``images`` are the repository's images its task definitions run."""
    return {
        "cluster": cluster_name,
        "service": service.get("serviceName"),
        "service_arn": service.get("serviceArn"),
        "desired_count": service.get("desiredCount"),
        "running_count": service.get("runningCount"),
        "task_definitions": task_definitions_of(service),
        "images": sorted(images),
    }


def services_running(repository_uri, described, container_images):
    """The ``services`` entries of ``described`` (cluster name, DescribeServices service) pairs that run images of
    ``repository_uri``; ``container_images`` maps a task definition ARN to its containers' images. Pure."""
    entries = []
    for cluster_name, service in described:
        if service.get("status") != "ACTIVE":
            continue
        images = {image for arn in task_definitions_of(service) for image in container_images.get(arn, [])
                  if of_repository(image, repository_uri)}
        if images:
            entries.append(service_entry(cluster_name, service, images))
    return sorted(entries, key=lambda entry: (entry["cluster"], entry["service"]))


class Services:
    """The reads, through ``resource.ServiceCalls`` (retried through throttling, failing with what was being read)."""

    def __init__(self, module):
        self.ecr = ServiceCalls(module, "ecr")
        self.ecs = ServiceCalls(module, "ecs")

    def repository_uri(self, name):
        """The repository's URI, or None when it does not exist."""
        found = find_repository(self.ecr, name, f"describe repository {name}")
        return found["repositoryUri"] if found else None

    def described(self):
        """(cluster name, described service) for every service of every cluster of the region."""
        pairs = []
        for cluster_arn in self.ecs.pages("list the ECS clusters", "list_clusters")["clusterArns"]:
            name = cluster_arn.rpartition("/")[2]
            arns = self.ecs.pages(f"list the services of cluster {name}", "list_services", missing={"serviceArns": []},
                                  cluster=cluster_arn)["serviceArns"]
            for start in range(0, len(arns), DESCRIBE_SERVICES_BATCH):
                services = find_ecs_services(self.ecs, cluster_arn, arns[start:start + DESCRIBE_SERVICES_BATCH],
                                             f"describe the services of cluster {name}")
                pairs += [(name, service) for service in services]
        return pairs

    def container_images(self, arns):
        """Each task definition's containers' images; a task definition that cannot be read (deregistered and deleted)
        has none."""
        images = {}
        for arn in arns:
            answer = self.ecs.call(f"describe task definition {arn}", "describe_task_definition",
                                   answers={"ClientException": {}}, taskDefinition=arn)
            definitions = (answer.get("taskDefinition") or {}).get("containerDefinitions") or []
            images[arn] = [container.get("image") or "" for container in definitions]
        return images


def main():
    module = AnsibleAWSModule(argument_spec=dict(repository_name=dict(type="str", required=True)), supports_check_mode=True)
    reads = Services(module)
    uri = reads.repository_uri(module.params["repository_name"])
    if uri is None:
        module.exit_json(changed=False, repository_exists=False, repository_uri=None, services=[])
    described = [(cluster, service) for cluster, service in reads.described() if service.get("status") == "ACTIVE"]
    arns = sorted({arn for _cluster, service in described for arn in task_definitions_of(service)})
    services = services_running(uri, described, reads.container_images(arns))
    module.exit_json(changed=False, repository_exists=True, repository_uri=uri, services=services)


if __name__ == "__main__":
    main()
