#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: deployment_info
version_added: 0.1.0
short_description: Read what the database, ECR, compute and scheduler tiers of one deployment hold
description:
  - Reads, without changing anything, the resources of the tiers it is asked about and returns, for each,
    the same fact the tier's role publishes after converging it (C(database) from
    nestjs_playground.infra.aurora, C(ecr) from nestjs_playground.infra.ecr, C(compute) from
    nestjs_playground.infra.ecs_service, C(scheduler) from nestjs_playground.infra.ecs_scheduler).
  - C(site.yml) uses it when C(--tags) leaves a tier out, so that C(--tags compute) converges the compute
    tier alone while reading the tiers below it, as C(cdk deploy <stack>) reads the exports of the others.
  - Written because the collections have no read-only module for several of these resources
    (amazon.aws 10.1.2 and community.aws 10.0.0 offer no C(secretsmanager_secret_info) and no ECR repository
    info module) and C(amazon.aws.elb_application_lb_info) fails on a load balancer name that does not exist
    (measured against the local emulator), and one call reading every tier is one task instead of about ten.
  - A tier whose main resource does not exist (the cluster, the repository, the ECS service) reads as V(null);
    the scheduler reads as not enabled.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  vpc_id:
    description: The VPC the security groups are looked up in.
    type: str
    required: true
  database:
    description: The database tier's names; omit to not read it.
    type: dict
    suboptions:
      cluster_identifier: {description: The Aurora cluster., type: str, required: true}
      credentials_secret_name: {description: The credentials secret., type: str, required: true}
      read_replica_secret_name: {description: The secret holding the reader endpoint., type: str, required: true}
      security_group_name: {description: The database's security group., type: str, required: true}
  ecr:
    description: The ECR tier's names; omit to not read it.
    type: dict
    suboptions:
      repository_name: {description: The repository., type: str, required: true}
  compute:
    description: The compute tier's names; omit to not read it.
    type: dict
    suboptions:
      cluster: {description: The ECS cluster., type: str, required: true}
      service: {description: The application's ECS service., type: str, required: true}
      load_balancer_name: {description: The application load balancer., type: str, required: true}
      app_url: {description: "The application's URL, returned as it is.", type: str, required: true}
  scheduler:
    description: The scheduler tier's names; omit to not read it.
    type: dict
    suboptions:
      cluster: {description: The ECS cluster the scheduler's service runs in., type: str, required: true}
      service: {description: The scheduler's ECS service., type: str, required: true}
      log_group: {description: The scheduler's log group., type: str, required: true}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode (it never changes anything).
"""

EXAMPLES = r"""
- name: Read the database and ECR tiers
  nestjs_playground.infra.deployment_info:
    vpc_id: vpc-0123456789abcdef0
    database:
      cluster_identifier: nestjs-playground-dev
      credentials_secret_name: nestjs-playground-dev-db-credentials
      read_replica_secret_name: nestjs-playground-dev-db-read-replica
      security_group_name: nestjs-playground-dev-db
    ecr:
      repository_name: nestjs-playground
  register: deployment
"""

RETURN = r"""
database:
  description: The database tier as nestjs_playground.infra.aurora publishes it; null when the cluster does not exist.
  returned: when asked
  type: dict
  contains:
    cluster_identifier: {description: The cluster., type: str}
    endpoint: {description: The writer endpoint., type: str}
    reader_endpoint: {description: The cluster's reader endpoint., type: str}
    port: {description: The port., type: int}
    name: {description: The database name., type: str}
    username: {description: The master user name., type: str}
    secret_arn: {description: The credentials secret's ARN., type: str}
    read_replica: {description: Whether the reader-endpoint secret exists (the reader is on)., type: bool}
    read_replica_secret_arn: {description: "Its ARN, or null.", type: str}
    security_group_id: {description: The database's security group., type: str}
    min_capacity: {description: "The cluster's Serverless v2 minimum capacity (ACUs), or null.", type: float}
    max_capacity: {description: "The cluster's Serverless v2 maximum capacity (ACUs), or null.", type: float}
ecr:
  description: The repository (name, uri, arn); null when it does not exist.
  returned: when asked
  type: dict
compute:
  description:
    - The compute tier as nestjs_playground.infra.ecs_service publishes it (cluster, cluster_arn, service,
      task_definition_arn, execution_role_arn, task_role_arn, log_group, alb_dns, load_balancer_arn,
      target_group_arn, app_url, app_security_group_id, desired_count, health_check_path - that of the service's
      target group); null when the service is not active.
  returned: when asked
  type: dict
scheduler:
  description:
    - The scheduler as nestjs_playground.infra.ecs_scheduler publishes it (enabled, service,
      task_definition_arn, log_group, security_group_id); not enabled when its service is not active.
  returned: when asked
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.nestjs_playground.infra.plugins.module_utils.deployment import Reader


def database_fact(identifier, cluster, secret, reader_secret, security_group_id):
    """The aurora role's ``database`` fact from what AWS holds; None without the cluster."""
    if cluster is None:
        return None
    reader_arn = reader_secret["ARN"] if reader_secret else None
    scaling = cluster.get("ServerlessV2ScalingConfiguration") or {}
    return {
        "cluster_identifier": identifier,
        "endpoint": cluster.get("Endpoint"),
        "reader_endpoint": cluster.get("ReaderEndpoint"),
        "port": cluster.get("Port"),
        "name": cluster.get("DatabaseName"),
        "username": cluster.get("MasterUsername"),
        "secret_arn": secret["ARN"] if secret else None,
        "read_replica": reader_arn is not None,
        "read_replica_secret_arn": reader_arn,
        "security_group_id": security_group_id,
        "min_capacity": scaling.get("MinCapacity"),
        "max_capacity": scaling.get("MaxCapacity"),
    }


def ecr_fact(repository):
    if repository is None:
        return None
    return {"name": repository["repositoryName"], "uri": repository["repositoryUri"], "arn": repository["repositoryArn"]}


def _container_log_group(task_definition):
    for container in (task_definition or {}).get("containerDefinitions", []):
        group = container.get("logConfiguration", {}).get("options", {}).get("awslogs-group")
        if group:
            return group
    return None


def _security_group(service):
    groups = service.get("networkConfiguration", {}).get("awsvpcConfiguration", {}).get("securityGroups", [])
    return groups[0] if groups else None


def _target_group_arn(service):
    return next((lb.get("targetGroupArn") for lb in service.get("loadBalancers", []) if lb.get("targetGroupArn")), None)


def compute_fact(names, cluster, service, task_definition, load_balancer, target_group=None):
    """The ecs_service role's ``compute`` fact; None unless the service is active."""
    if cluster is None or service is None or service.get("status") != "ACTIVE":
        return None
    return {
        "cluster": names["cluster"],
        "cluster_arn": cluster["clusterArn"],
        "service": names["service"],
        "task_definition_arn": service.get("taskDefinition"),
        "execution_role_arn": (task_definition or {}).get("executionRoleArn"),
        "task_role_arn": (task_definition or {}).get("taskRoleArn"),
        "log_group": _container_log_group(task_definition),
        "alb_dns": (load_balancer or {}).get("DNSName"),
        "load_balancer_arn": (load_balancer or {}).get("LoadBalancerArn"),
        "target_group_arn": _target_group_arn(service),
        "app_url": names["app_url"],
        "app_security_group_id": _security_group(service),
        "desired_count": service.get("desiredCount"),
        "health_check_path": (target_group or {}).get("HealthCheckPath"),
    }


def scheduler_fact(names, service, log_group_exists):
    """The ecs_scheduler role's ``scheduler`` fact: enabled while its service is active."""
    enabled = service is not None and service.get("status") == "ACTIVE"
    return {
        "enabled": enabled,
        "service": names["service"] if enabled else None,
        "task_definition_arn": service.get("taskDefinition") if enabled else None,
        "log_group": names["log_group"] if log_group_exists else None,
        "security_group_id": _security_group(service) if enabled else None,
    }


def read_database(reader, vpc_id, names):
    cluster = reader.db_cluster(names["cluster_identifier"])
    if cluster is None:
        return None
    return database_fact(
        names["cluster_identifier"],
        cluster,
        reader.secret(names["credentials_secret_name"]),
        reader.secret(names["read_replica_secret_name"]),
        reader.security_group_id(vpc_id, names["security_group_name"]),
    )


def read_compute(reader, names):
    cluster = reader.ecs_cluster(names["cluster"])
    service = reader.ecs_service(names["cluster"], names["service"]) if cluster else None
    if service is None or service.get("status") != "ACTIVE":
        return None
    target_group_arn = _target_group_arn(service)
    return compute_fact(
        names, cluster, service, reader.task_definition(service["taskDefinition"]), reader.load_balancer(names["load_balancer_name"]),
        reader.target_group_by_arn(target_group_arn) if target_group_arn else None,
    )


def read_scheduler(reader, names):
    return scheduler_fact(names, reader.ecs_service(names["cluster"], names["service"]), reader.log_group_exists(names["log_group"]))


def main():
    def names(*keys):
        return dict(type="dict", options={key: dict(type="str", required=True) for key in keys})

    module = AnsibleAWSModule(
        argument_spec=dict(
            vpc_id=dict(type="str", required=True),
            database=names("cluster_identifier", "credentials_secret_name", "read_replica_secret_name", "security_group_name"),
            ecr=names("repository_name"),
            compute=names("cluster", "service", "load_balancer_name", "app_url"),
            scheduler=names("cluster", "service", "log_group"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    reader = Reader(module)
    result = {"changed": False}
    if params["database"]:
        result["database"] = read_database(reader, params["vpc_id"], params["database"])
    if params["ecr"]:
        result["ecr"] = ecr_fact(reader.repository(params["ecr"]["repository_name"]))
    if params["compute"]:
        result["compute"] = read_compute(reader, params["compute"])
    if params["scheduler"]:
        result["scheduler"] = read_scheduler(reader, params["scheduler"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
