#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_service
version_added: 0.1.0
short_description: Ensure an Amazon ECS service runs a task definition, without fighting its autoscaling
description:
  - Creates, updates or deletes one Amazon ECS service (REPLICA scheduling, ECS rolling-update deployment
    controller) and converges what the ECS service stack of the former CDK app owned - task definition,
    network configuration, load balancers, deployment configuration, health check grace period, ECS Exec,
    tag propagation and the resource tags.
  - B(The desired count is applied only when the service is created.) Once the service exists,
    Application Auto Scaling (see M(nestjs_playground.infra.ecs_service_scaling)) owns it, and this
    module never reads it as a difference nor changes it, so a deploy never resets the number of tasks
    that autoscaling chose. Set O(force_desired_count=true) to apply O(desired_count) to an existing
    service too (the scale playbook does).
  - Replaces C(community.aws.ecs_service), which (measured with community.aws 10.0.0) reports a change
    on every run when given a full task definition ARN, because it compares the ARN with the
    C(family:revision) part of the service's task definition; and which sends O(desired_count) on every
    update, so each deploy resets the count that autoscaling set (and without O(desired_count) it reports
    a change on every run).
  - The task definition is compared as a full ARN. A family, a C(family:revision) or an ARN are all
    resolved with C(DescribeTaskDefinition), a family to its latest C(ACTIVE) revision.
  - A field that AWS did not return is not a difference. The local emulator (moto 5.2.5) does not return
    C(deploymentConfiguration), C(enableExecuteCommand), C(healthCheckGracePeriodSeconds) nor
    C(enableECSManagedTags) for a service it created (it does once they are set with C(UpdateService)),
    so on it these options take effect at creation and are compared only after an update.
  - The launch type and the scheduling strategy cannot be changed by C(UpdateService); when they differ
    the module fails and names the field, and the service must be deleted and created again. Load
    balancers, the network configuration, the platform version, the tag propagation and the ECS managed
    tags are updated in place, which AWS supports for services using the C(ECS) deployment controller;
    for a C(CODE_DEPLOY) or C(EXTERNAL) service the module fails instead of changing the task definition,
    network configuration, load balancers or platform version.
  - A service whose status is C(INACTIVE), or that does not exist, is absent. A service that is
    C(DRAINING) is being deleted - absent for O(state=absent); for O(state=present) the module fails
    and asks to wait until it is C(INACTIVE).
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same
    C(changed) and C(diff) that the real run would. A missing cluster reads as an absent service, and in
    check mode a task definition that does not exist yet (registered by a task that check mode skipped)
    is compared as given, with a warning.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  cluster:
    description:
      - The name or ARN of the ECS cluster that holds the service.
    required: true
    type: str
  name:
    description:
      - The name of the service.
    required: true
    type: str
  state:
    description:
      - Whether the service should exist.
      - With V(absent), an existing service is first scaled to 0 tasks, then deleted with C(force).
    choices: ["present", "absent"]
    default: present
    type: str
  task_definition:
    description:
      - The task definition the service runs - a family (its latest C(ACTIVE) revision), a
        C(family:revision) or a full ARN. Compared with the service as a full ARN.
      - A new revision rolls out a new deployment.
      - Required to create the service; when not set, an existing service keeps its task definition.
    type: str
  desired_count:
    description:
      - The number of tasks to start the service with.
      - B(Used only when the service is created.) Afterwards Application Auto Scaling owns the desired
        count, and the module neither compares nor changes it - unless O(force_desired_count=true).
      - Required to create the service.
    type: int
  force_desired_count:
    description:
      - Apply O(desired_count) to an existing service too (compared, and updated when it differs).
      - For the scale playbook; autoscaling may change the count again afterwards, within the limits of
        its scalable target.
    type: bool
    default: false
  force_new_deployment:
    description:
      - Start a new deployment of the service's task definition (C(UpdateService) with C(forceNewDeployment)), so that
        every task is replaced by a new one, which reads its secrets again. Always a change, for an existing service.
      - For the credential rotation (playbooks/rotate_db_credentials.yml). With O(wait=true) the module waits, and
        reports the rollout, as for a new task definition.
    type: bool
    default: false
  unless_deployed_since:
    description:
      - With O(force_new_deployment=true), force the new deployment only when the service's PRIMARY deployment was
        created before this time (ISO 8601, for example the last credential rotation's), so that a rerun after the
        tasks were replaced changes nothing, and a run stopped before replacing them is completed by the next one.
    type: str
  launch_type:
    description:
      - The launch type of the tasks. Can only be set at creation; when an existing service has another
        launch type (or uses a capacity provider strategy) the module fails, and the service must be
        recreated.
    choices: ["FARGATE", "EC2", "EXTERNAL"]
    default: FARGATE
    type: str
  platform_version:
    description:
      - The Fargate platform version, for example C(LATEST) or C(1.4.0).
      - When not set, a new service gets the AWS default and an existing one keeps its version.
    type: str
  network_configuration:
    description:
      - The awsvpc network configuration of the tasks. Required to create a C(FARGATE) service.
      - Subnets and security groups are compared as sets. When not set, an existing service keeps its
        network configuration.
    type: dict
    suboptions:
      subnets:
        description: The IDs of the subnets of the tasks.
        type: list
        elements: str
        required: true
      security_groups:
        description:
          - The IDs (not names) of the security groups of the tasks.
          - When not set, a new service gets the VPC's default group and an existing one keeps its groups.
        type: list
        elements: str
      assign_public_ip:
        description: Whether the tasks get a public IP address.
        type: bool
        default: false
  load_balancers:
    description:
      - The target groups the service registers its tasks with. Compared as a set; an empty list removes
        every load balancer. When not set, an existing service keeps its load balancers.
    type: list
    elements: dict
    suboptions:
      target_group_arn:
        description: The ARN of the target group.
        type: str
        required: true
      container_name:
        description: The container to register.
        type: str
        required: true
      container_port:
        description: The port of that container.
        type: int
        required: true
  deployment_configuration:
    description:
      - How a deployment replaces tasks. Only the suboptions that are set are compared and changed; the
        rest of the service's deployment configuration (alarms, for instance) is kept.
    type: dict
    suboptions:
      minimum_healthy_percent:
        description: The lower limit of running tasks during a deployment, as a percentage of the desired count.
        type: int
      maximum_percent:
        description: The upper limit of running and pending tasks during a deployment, as a percentage of the desired count.
        type: int
      circuit_breaker:
        description: The deployment circuit breaker.
        type: dict
        suboptions:
          enable:
            description: Whether a deployment that cannot reach a steady state is stopped.
            type: bool
            required: true
          rollback:
            description: Whether a stopped deployment rolls back to the last completed one.
            type: bool
            default: false
  health_check_grace_period_seconds:
    description:
      - Seconds during which the scheduler ignores load balancer health checks after a task has started.
      - When not set, the service keeps its value.
    type: int
  enable_execute_command:
    description:
      - Whether ECS Exec is enabled on the tasks. When not set, the service keeps its setting.
    type: bool
  propagate_tags:
    description:
      - Where the tags of the tasks are copied from. When not set, the service keeps its setting.
    choices: ["SERVICE", "TASK_DEFINITION", "NONE"]
    type: str
  enable_ecs_managed_tags:
    description:
      - Whether ECS adds its managed tags (cluster and service name) to the tasks. When not set, the
        service keeps its setting.
    type: bool
  wait:
    description:
      - After a change, wait until the service is stable (one deployment, as many running tasks as
        desired) - or, with O(state=absent), until it is C(INACTIVE).
      - When the change rolled out a new task definition, the module then checks what became of the
        deployment that C(CreateService) or C(UpdateService) started. A deployment the circuit breaker
        stopped and rolled back leaves the service stable too, on the previous task definition, and is
        gone (or C(FAILED)); the module then fails, saying so, naming both task definitions and quoting the
        service's latest events, and reports C(rollout=rolled_back).
      - A deployment the circuit breaker stopped with nothing to roll back to (the service's first one, whose
        tasks cannot start - an image that was never pushed, for instance) ends the wait at once instead of
        at O(wait_timeout). When the service does not become stable, the failure says why its tasks stopped
        (C(DescribeTasks) C(stoppedReason) and the containers' reasons, for example
        C(CannotPullContainerError)), how many run of how many desired, and its latest events.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait with O(wait=true) before failing.
    type: int
    default: 600
notes:
  - The AWS calls are C(DescribeServices) (with tags), C(DescribeTaskDefinition), C(CreateService),
    C(UpdateService) (with only the fields that differ), C(TagResource), C(UntagResource) and
    C(DeleteService); when a wait fails, C(ListTasks) and C(DescribeTasks) of its stopped tasks.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the API service runs the new task definition, leaving its task count to autoscaling
  nestjs_playground.infra.ecs_service:
    cluster: nestjs-playground-dev
    name: api
    task_definition: "{{ task_definition.taskdefinition.taskDefinitionArn }}"
    desired_count: 1  # only when the service is created
    network_configuration:
      subnets: "{{ private_subnet_ids }}"
      security_groups: ["{{ service_security_group_id }}"]
    load_balancers:
      - target_group_arn: "{{ target_group_arn }}"
        container_name: api
        container_port: 3000
    deployment_configuration:
      minimum_healthy_percent: 100
      maximum_percent: 200
      circuit_breaker:
        enable: true
        rollback: true
    health_check_grace_period_seconds: 60
    propagate_tags: SERVICE
    tags:
      App: nestjs-playground
      Env: dev
    wait: true

- name: Scale the service to 4 tasks now (autoscaling may move it again within its limits)
  nestjs_playground.infra.ecs_service:
    cluster: nestjs-playground-dev
    name: api
    desired_count: 4
    force_desired_count: true

- name: Delete the service
  nestjs_playground.infra.ecs_service:
    cluster: nestjs-playground-dev
    name: api
    state: absent
    wait: true
"""

RETURN = r"""
service:
  description:
    - The service as it is after the run (in check mode, as it would be). Empty with O(state=absent).
    - The owned fields have the shape of the options; the others are as ECS returned them, in snake case.
  returned: always
  type: dict
  contains:
    service_name:
      description: The name of the service.
      type: str
      sample: api
    service_arn:
      description: The ARN of the service; absent in check mode before the service exists.
      type: str
      sample: arn:aws:ecs:us-east-1:123456789012:service/nestjs-playground-dev/api
    cluster_arn:
      description: The ARN of the cluster; absent in check mode before the service exists.
      type: str
    status:
      description: C(ACTIVE), C(DRAINING) or C(INACTIVE).
      type: str
    task_definition:
      description: The full ARN of the task definition the service runs.
      type: str
      sample: arn:aws:ecs:us-east-1:123456789012:task-definition/api:7
    desired_count:
      description: The number of tasks the service wants (chosen by autoscaling once it exists).
      type: int
    running_count:
      description: The number of running tasks.
      type: int
    pending_count:
      description: The number of pending tasks.
      type: int
    launch_type:
      description: The launch type.
      type: str
    scheduling_strategy:
      description: Always C(REPLICA) for a service this module created.
      type: str
    platform_version:
      description: The platform version, when ECS returned one.
      type: str
    network_configuration:
      description: C(subnets), C(security_groups) (sorted) and C(assign_public_ip) (bool).
      type: dict
    load_balancers:
      description: The target groups, each with C(target_group_arn), C(container_name), C(container_port).
      type: list
      elements: dict
    deployment_configuration:
      description:
        - C(minimum_healthy_percent), C(maximum_percent), C(circuit_breaker), as far as ECS returned them.
      type: dict
    health_check_grace_period_seconds:
      description: The grace period, when ECS returned it.
      type: int
    enable_execute_command:
      description: Whether ECS Exec is enabled, when ECS returned it.
      type: bool
    propagate_tags:
      description: Where the tags of the tasks come from.
      type: str
    enable_ecs_managed_tags:
      description: Whether ECS adds its managed tags, when ECS returned it.
      type: bool
    deployments:
      description: One entry per deployment - id, status, task_definition, desired_count, running_count,
        pending_count, rollout_state, created_at, updated_at.
      type: list
      elements: dict
    tags:
      description: The service's tags.
      type: dict
rollout:
  description:
    - With O(wait=true), after a change that rolled out a new task definition - C(completed) when the
      deployment it started completed, C(rolled_back) when that deployment is gone or C(FAILED) (the
      circuit breaker stopped it and went back to the last completed one; the module fails then).
    - C(not_waited) after such a change without O(wait) (and in check mode, for the change it would make),
      C(none) when no new task definition is rolled out.
  returned: with O(state=present)
  type: str
  sample: completed
"""

import math

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.nestjs_playground.infra.plugins.module_utils.api_names import camel_case
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import changed_fields
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import make_diff
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_ecs_services
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_task_definition
from ansible_collections.nestjs_playground.infra.plugins.module_utils.ecs_tags import ecs_tag_list
from ansible_collections.nestjs_playground.infra.plugins.module_utils.ecs_tags import ecs_tags_to_dict
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module
from ansible_collections.nestjs_playground.infra.plugins.module_utils.times import as_text
from ansible_collections.nestjs_playground.infra.plugins.module_utils.times import aware
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_plan

# The fields this module owns, in the order they are compared, written and shown in the diff.
OWNED = (
    "task_definition",
    "desired_count",
    "launch_type",
    "scheduling_strategy",
    "platform_version",
    "network_configuration",
    "load_balancers",
    "deployment_configuration",
    "health_check_grace_period_seconds",
    "enable_execute_command",
    "propagate_tags",
    "enable_ecs_managed_tags",
)
# UpdateService cannot change these: a difference means deleting and creating the service again.
CREATE_ONLY = ("launch_type", "scheduling_strategy")
# UpdateService changes these only for the ECS (rolling update) deployment controller; CODE_DEPLOY and
# EXTERNAL services change them through a CodeDeploy deployment or task sets.
ROLLING_UPDATE_ONLY = ("task_definition", "network_configuration", "load_balancers", "platform_version")
# Dict-valued fields whose sub-keys are compared one by one: only the asked ones, and only those AWS returned.
PARTIAL = ("network_configuration", "deployment_configuration")
# What the result reports as ECS returned it (besides the owned fields and the deployments).
SUMMARY = ("serviceArn", "clusterArn", "status", "desiredCount", "runningCount", "pendingCount")
# What the result reports of each deployment (besides its times), under its DescribeServices name in camelCase.
DEPLOYMENT_FIELDS = ("id", "status", "task_definition", "desired_count", "running_count", "pending_count", "rollout_state")
# What a service that is not there, or is on its way out, reads as.
GONE = ("INACTIVE", "DRAINING")
# The owned fields whose name in DescribeServices, CreateService and UpdateService is not their name in camelCase.
AWS_NAMES = {"enable_ecs_managed_tags": "enableECSManagedTags"}


# ---- normalising: options and AWS responses to one shape --------------------------------------------

def normalise_network(network):
    """awsvpcConfiguration (AWS shape) to the option's shape; lists sorted, AWS defaults filled in."""
    vpc = (network or {}).get("awsvpcConfiguration")
    if vpc is None:
        return None
    return {
        "subnets": sorted(vpc.get("subnets") or []),
        "security_groups": sorted(vpc.get("securityGroups") or []),
        # AWS returns DISABLED when it was not asked for; moto returns nothing then.
        "assign_public_ip": vpc.get("assignPublicIp", "DISABLED") == "ENABLED",
    }


def normalise_load_balancers(load_balancers):
    """loadBalancers (AWS shape) to the option's shape, in a stable order (they are a set)."""
    result = []
    for lb in load_balancers or []:
        item = {
            "target_group_arn": lb.get("targetGroupArn"),
            "container_name": lb.get("containerName"),
            "container_port": lb.get("containerPort"),
        }
        if lb.get("loadBalancerName"):  # a Classic Load Balancer: never asked for, so always a difference
            item["load_balancer_name"] = lb["loadBalancerName"]
        result.append(item)
    return sort_load_balancers(result)


def sort_load_balancers(load_balancers):
    return sorted(load_balancers, key=lambda lb: (str(lb.get("target_group_arn")), str(lb.get("container_name")),
                                                  str(lb.get("container_port"))))


def normalise_deployment_configuration(config):
    """deploymentConfiguration (AWS shape) to the option's shape, keeping only the keys AWS returned."""
    result = {}
    if "minimumHealthyPercent" in config:
        result["minimum_healthy_percent"] = config["minimumHealthyPercent"]
    if "maximumPercent" in config:
        result["maximum_percent"] = config["maximumPercent"]
    breaker = config.get("deploymentCircuitBreaker") or {}
    # No circuit breaker returned within a returned configuration is a disabled one, as AWS defaults it.
    result["circuit_breaker"] = {"enable": breaker.get("enable", False), "rollback": breaker.get("rollback", False)}
    return result


def current_state(service):
    """The owned fields of a described service, plus its tags. A field AWS did not return is left out."""
    state = {field: service.get(camel_case(field, AWS_NAMES)) for field in OWNED if field not in CONVERSIONS and field != "launch_type"}
    if service.get("launchType"):
        state["launch_type"] = service["launchType"]
    elif service.get("capacityProviderStrategy"):
        state["launch_type"] = "(a capacity provider strategy)"
    if "networkConfiguration" in service:
        state["network_configuration"] = normalise_network(service["networkConfiguration"])
    if "loadBalancers" in service:
        state["load_balancers"] = normalise_load_balancers(service["loadBalancers"])
    if "deploymentConfiguration" in service:
        state["deployment_configuration"] = normalise_deployment_configuration(service["deploymentConfiguration"])
    state = {key: value for key, value in state.items() if value is not None}
    state["tags"] = ecs_tags_to_dict(service.get("tags"))
    state["deployment_controller"] = (service.get("deploymentController") or {}).get("type", "ECS")
    return state


def desired_state(params, task_definition_arn):
    """The owned fields as asked, in the shape of ``current_state``; None means 'leave alone'."""
    network = params.get("network_configuration")
    if network is not None:
        network = {
            "subnets": sorted(network["subnets"]),
            "security_groups": sorted(network["security_groups"]) if network.get("security_groups") is not None else None,
            "assign_public_ip": bool(network.get("assign_public_ip")),
        }
        network = {key: value for key, value in network.items() if value is not None}
    load_balancers = params.get("load_balancers")
    if load_balancers is not None:
        load_balancers = sort_load_balancers([
            {"target_group_arn": lb["target_group_arn"], "container_name": lb["container_name"],
             "container_port": lb["container_port"]}
            for lb in load_balancers
        ])
    deployment = params.get("deployment_configuration")
    if deployment is not None:
        deployment = {key: value for key, value in deployment.items() if value is not None}
        if "circuit_breaker" in deployment:
            breaker = deployment["circuit_breaker"]
            deployment["circuit_breaker"] = {"enable": breaker["enable"], "rollback": bool(breaker.get("rollback"))}
        deployment = deployment or None
    return dict({field: params.get(field) for field in OWNED}, task_definition=task_definition_arn, scheduling_strategy="REPLICA",
                network_configuration=network, load_balancers=load_balancers, deployment_configuration=deployment)


def same_task_definition(desired_arn, current):
    """Whether the service's task definition is the asked ARN.

    AWS always returns the full ARN. moto returns the string last given to UpdateService, which can be
    a bare ``family:revision``: that is the same task definition when the ARN ends with it.
    """
    if desired_arn is None or current is None:
        return False
    if current == desired_arn:
        return True
    return not current.startswith("arn:") and ":" in current and desired_arn.endswith("/" + current)


# ---- deciding --------------------------------------------------------------------------------------

def comparable(current, asked):
    """``current`` as the comparison must see it, given what is ``asked``.

    Sub-keys of a partial field that were not asked for are left out, and asked sub-keys that AWS did
    not return are read as asked (not returned is not a difference).
    """
    view = dict(current)
    if same_task_definition(asked.get("task_definition"), current.get("task_definition")):
        view["task_definition"] = asked["task_definition"]
    for field in PARTIAL:
        wanted, have = asked.get(field), current.get(field)
        if wanted is None or have is None:
            continue
        view[field] = {key: have.get(key, value) for key, value in wanted.items()}
    return view


def predicted(current, asked):
    """The owned fields after the change: current, overlaid with every asked field (partial ones merged)."""
    after = dict(current)
    for field, value in asked.items():
        if value is None:
            continue
        if field in PARTIAL and isinstance(after.get(field), dict):
            after[field] = dict(after[field], **value)
        else:
            after[field] = value
    return after


def plan(desired, current, desired_tags, purge_tags, force_desired_count=False):
    """What must be done to go from ``current`` (``current_state``; None: absent) to ``desired``.

    Returns ``create`` (bool), ``fields`` (owned fields UpdateService must change), ``recreate`` (fields
    only a new service can change), ``controller_blocked`` (fields the deployment controller does not let
    UpdateService change), ``tags_to_set``/``tags_to_remove``, ``before``/``after`` (the owned fields, as
    shown in the diff) and ``changed``. The desired count is compared only when creating or with
    ``force_desired_count``. Pure: no AWS call.
    """
    asked = dict(desired)
    if current is None:
        after = {key: value for key, value in asked.items() if value is not None}
        after["tags"] = dict(desired_tags or {})
        return {
            "create": True, "fields": [], "recreate": [], "controller_blocked": [],
            "tags_to_set": {}, "tags_to_remove": [],
            "before": {}, "after": after, "changed": True,
        }
    if not force_desired_count:
        asked["desired_count"] = None  # Application Auto Scaling owns it once the service exists
    owned = {key: current[key] for key in OWNED if key in current}
    if not force_desired_count:
        owned.pop("desired_count", None)
    differing = changed_fields(asked, comparable(owned, asked))
    recreate = [field for field in differing if field in CREATE_ONLY]
    controller_blocked = []
    if current.get("deployment_controller", "ECS") != "ECS":
        controller_blocked = [field for field in differing if field in ROLLING_UPDATE_ONLY]
    fields = [field for field in differing if field not in CREATE_ONLY]
    to_set, to_remove, tags = tag_plan(current.get("tags"), desired_tags, purge_tags)
    after = predicted(owned, {field: asked[field] for field in differing})
    before = dict(owned)
    before["tags"] = dict(current.get("tags") or {})
    after["tags"] = tags
    return {
        "create": False, "fields": fields, "recreate": recreate, "controller_blocked": controller_blocked,
        "tags_to_set": to_set, "tags_to_remove": to_remove,
        "before": before, "after": after,
        "changed": bool(differing or to_set or to_remove),
    }


def deployed_since(service, moment):
    """Whether the PRIMARY deployment of ``service`` (DescribeServices) was created at ``moment`` or later."""
    created = aware(primary_deployment(service).get("createdAt"))
    return created is not None and created >= aware(moment)


def forced_deployment(decision, service):
    """``decision`` for an existing ``service`` (DescribeServices) with a new deployment forced: always a change,
    shown in the diff as its PRIMARY deployment replaced. Pure."""
    return dict(decision, changed=True, force=True,
                before=dict(decision["before"], deployment=primary_deployment_id(service)),
                after=dict(decision["after"], deployment="(new deployment)"))


def creation_problems(desired):
    """Why a service could not be created from ``desired`` (messages), before any AWS call."""
    problems = []
    if not desired.get("task_definition"):
        problems.append("task_definition is required to create the service")
    if desired.get("desired_count") is None:
        problems.append("desired_count is required to create the service")
    if desired.get("launch_type") == "FARGATE" and not desired.get("network_configuration"):
        problems.append("network_configuration is required to create a FARGATE service (awsvpc networking)")
    return problems


def recreate_message(name, decision, current):
    fields = ", ".join(
        f"{field} ({current.get(field)!s} -> {decision['after'].get(field)!s})" for field in decision["recreate"]
    )
    return (
        f"ECS service {name}: {fields} can only be set when the service is created (UpdateService cannot "
        "change it), so the service must be recreated: delete it (state: absent), then create it again."
    )


def controller_message(name, decision, current):
    return (
        f"ECS service {name} uses the {current['deployment_controller']} deployment controller, so "
        f"{', '.join(decision['controller_blocked'])} cannot be changed with UpdateService; change it through "
        "that controller's deployment (CodeDeploy or task sets) instead."
    )


# ---- AWS argument shapes -----------------------------------------------------------------------------

def aws_network(network):
    vpc = {"subnets": list(network["subnets"]),
           "assignPublicIp": "ENABLED" if network.get("assign_public_ip") else "DISABLED"}
    if network.get("security_groups") is not None:
        vpc["securityGroups"] = list(network["security_groups"])
    return {"awsvpcConfiguration": vpc}


def aws_load_balancers(load_balancers):
    return [
        {"targetGroupArn": lb["target_group_arn"], "containerName": lb["container_name"],
         "containerPort": lb["container_port"]}
        for lb in load_balancers
    ]


def aws_deployment_configuration(config, current_raw=None):
    """The deploymentConfiguration to send: the service's own (alarms...) overlaid with the owned keys."""
    result = dict(current_raw or {})
    if "minimum_healthy_percent" in config:
        result["minimumHealthyPercent"] = config["minimum_healthy_percent"]
    if "maximum_percent" in config:
        result["maximumPercent"] = config["maximum_percent"]
    if "circuit_breaker" in config:
        result["deploymentCircuitBreaker"] = {"enable": config["circuit_breaker"]["enable"],
                                              "rollback": config["circuit_breaker"]["rollback"]}
    return result


# How CreateService and UpdateService take the owned fields in another shape than DescribeServices gives them.
CONVERSIONS = {"network_configuration": aws_network, "load_balancers": aws_load_balancers,
               "deployment_configuration": aws_deployment_configuration}


def _argument(field, value):
    """(the CreateService / UpdateService argument of the owned ``field``, ``value`` as it takes it)."""
    convert = CONVERSIONS.get(field)
    return camel_case(field, AWS_NAMES), convert(value) if convert else value


def create_arguments(cluster, name, after):
    """The CreateService arguments for the owned fields in ``after`` (from ``plan``)."""
    args = dict((_argument(field, after[field]) for field in OWNED if field in after), cluster=cluster, serviceName=name)
    if after.get("tags"):
        args["tags"] = ecs_tag_list(after["tags"])
    return args


def update_arguments(cluster, name, fields, after, current_raw):
    """The UpdateService arguments that change exactly ``fields``; None when there are none."""
    if not fields:
        return None
    args = dict((_argument(field, after[field]) for field in fields), cluster=cluster, service=name)
    if "deployment_configuration" in fields:   # over the service's own configuration (alarms...)
        args["deploymentConfiguration"] = aws_deployment_configuration(after["deployment_configuration"], current_raw.get("deploymentConfiguration"))
    return args


def primary_deployment(service):
    """The PRIMARY deployment of a service (DescribeServices, or a CreateService/UpdateService answer); {} when
    none is listed."""
    return next((d for d in service.get("deployments") or [] if d.get("status") == "PRIMARY"), {})


def primary_task_definition(service):
    """The task definition the service's PRIMARY deployment runs (the service's own when none is listed)."""
    return primary_deployment(service).get("taskDefinition") or service.get("taskDefinition")


def primary_deployment_id(service):
    """The id of the PRIMARY deployment of a CreateService/UpdateService answer - the one that rolls out."""
    return primary_deployment(service).get("id")


def latest_events(service):
    """The messages of the service's latest 3 events (DescribeServices lists the latest first), as one text ("" for none)."""
    return " | ".join(e.get("message") for e in (service.get("events") or [])[:3] if e.get("message"))


def rollout_outcome(service, deployment_id, asked_arn):
    """After waiting until ``service`` (DescribeServices) is stable, what became of the deployment
    ``deployment_id`` that rolled out ``asked_arn``: ``completed``, or ``rolled_back`` when it is gone or
    FAILED - the circuit breaker stopped it and went back to the last completed deployment, which leaves
    the service stable on the previous task definition.

    Deployments are told apart by id, as aws-actions/amazon-ecs-deploy-task-definition does. The emulator
    keeps one deployment whatever UpdateService changes (docs/emulator-gaps.md): its id stays, COMPLETED.
    Without a deployment id, the task definition the primary deployment runs decides.
    """
    if deployment_id is None:
        return "completed" if same_task_definition(asked_arn, primary_task_definition(service)) else "rolled_back"
    deployment = [d for d in service.get("deployments") or [] if d.get("id") == deployment_id]
    if not deployment or deployment[0].get("rolloutState") == "FAILED":
        return "rolled_back"
    return "completed"


def rollback_message(name, asked_arn, service):
    events = latest_events(service)
    return (
        f"ECS service {name} did not roll out {asked_arn}: the deployment failed and the circuit breaker rolled the "
        f"service back to {primary_task_definition(service)}, which it runs now."
        + (" Latest service events: " + events if events else "")
    )


# What ends a wait for a stable service early: a PRIMARY deployment the circuit breaker marked FAILED. When it
# has a completed deployment to go back to, ECS starts a new PRIMARY (the rollback) and the service becomes
# stable on it (rollout_outcome); a first deployment has none, stays PRIMARY and FAILED, and ECS stops
# starting its tasks: services_stable would wait out its whole timeout.
FAILED_PRIMARY = {"matcher": "pathAny", "argument": "services[].deployments[?status == 'PRIMARY'][].rolloutState",
                  "expected": "FAILED"}
# How many of the service's stopped tasks a failed wait reads (one DescribeTasks call).
STOPPED_TASKS_READ = 100


def stop_reason(task):
    """Why one task stopped (a DescribeTasks task): its stoppedReason, and each container's reason that says more."""
    reasons = [task.get("stoppedReason") or task.get("stopCode") or "(no reason given)"]
    for container in task.get("containers") or []:
        reason = container.get("reason")
        if reason and not any(reason in known for known in reasons):
            reasons.append(f"container {container.get('name')}: {reason}")
    return "; ".join(reasons)


def stopped_reasons(tasks):
    """The distinct reasons ``tasks`` (DescribeTasks) stopped, most recent first, each with how many tasks it stopped."""
    counts = {}
    for task in sorted(tasks, key=lambda t: str(as_text(t.get("stoppedAt")) or ""), reverse=True):
        reason = stop_reason(task)
        counts[reason] = counts.get(reason, 0) + 1
    return [f"{count} task{'s' if count > 1 else ''}: {reason}" for reason, count in counts.items()]


def unstable_explanation(service, tasks):
    """What a failure to become stable adds to its message: the counts, a failed deployment, why the tasks
    stopped and the latest events. ``service``: DescribeServices (None when gone); ``tasks``: its stopped tasks."""
    parts = []
    if service:
        parts.append(f"{service.get('runningCount', 0)} of {service.get('desiredCount', 0)} desired tasks run")
        primary = primary_deployment(service)
        if primary.get("rolloutState") == "FAILED":
            parts.append("its deployment failed (" + (primary.get("rolloutStateReason") or "circuit breaker") + ")")
    reasons = stopped_reasons(tasks)
    parts.append("stopped tasks, most recent first: " + " | ".join(reasons) if reasons else
                 "no stopped task to read (ECS lists a service's stopped tasks for about an hour)")
    events = latest_events(service or {})
    if events:
        parts.append("latest service events: " + events)
    return ": " + "; ".join(parts)


def waiter_config(timeout):
    """WaiterConfig for a boto3 waiter that gives up after about ``timeout`` seconds."""
    timeout = max(1, int(timeout))
    delay = 15 if timeout >= 60 else max(1, timeout // 4)
    return {"Delay": delay, "MaxAttempts": max(1, math.ceil(timeout / delay))}


def service_result(service, owned, tags):
    """The ``service`` return value: identity and counters as ECS returned them, owned fields normalised."""
    result = {"service_name": service.get("serviceName")}
    result.update(camel_dict_to_snake_dict({key: service[key] for key in SUMMARY if key in service}))
    if "deployments" in service:
        result["deployments"] = [dict({field: d.get(camel_case(field)) for field in DEPLOYMENT_FIELDS},
                                      created_at=as_text(d.get("createdAt")), updated_at=as_text(d.get("updatedAt")))
                                 for d in service["deployments"]]
    result.update({key: value for key, value in owned.items() if key in OWNED})
    result["tags"] = dict(tags or {})
    return result


# ---- AWS ---------------------------------------------------------------------------------------------

class Service(Resource):
    """The ECS service ``name`` of ``cluster``; the current state is the service as DescribeServices returns it."""

    service = "ecs"
    kind = "ECS service"

    def __init__(self, module):
        super().__init__(module)
        self.cluster = self.params["cluster"]
        self.rollout = "none"          # what became of the task definition this run rolled out
        self.rollback_problem = None   # the failure when the circuit breaker rolled it back

    def describe(self):
        """The raw service, or None when it is absent (missing cluster, MISSING, INACTIVE; with
        state=absent, DRAINING too)."""
        services = [s for s in find_ecs_services(self.aws, self.cluster, [self.name], f"describe {self.what} in cluster {self.cluster}",
                                                 include=["TAGS"]) if s.get("serviceName") == self.name]
        gone = ("INACTIVE",) if self.params["state"] == "present" else GONE
        if not services or services[0].get("status") in gone:
            return None
        return services[0]

    def task_definition_arn(self, warnings):
        """The full ARN of the asked family (latest ACTIVE revision), family:revision or ARN; in check mode,
        one that does not exist yet is compared as given (with a warning); None when none is asked or found."""
        value = self.params["task_definition"]
        if value is None:
            return None
        described = find_task_definition(self.aws, value, f"describe task definition {value}", answers={"ClientException": None})
        if described:
            return described["taskDefinition"]["taskDefinitionArn"]
        if not self.module.check_mode:
            return None
        warnings.append(f"Task definition {value} does not exist (yet); check mode compares the service with it as given")
        return value

    def plan(self, current):
        if current is not None and current.get("status") == "DRAINING":
            return {"problem": f"{self.what} is DRAINING (being deleted); wait until it is INACTIVE to create it again"}
        warnings = []
        arn = self.task_definition_arn(warnings)
        if arn is None and self.params["task_definition"] is not None:
            return {"problem": f"Task definition {self.params['task_definition']} does not exist (DescribeTaskDefinition found nothing)"}
        desired = desired_state(self.params, arn)
        state = None if current is None else current_state(current)
        problems = creation_problems(desired) if state is None else []
        if problems:
            return {"problem": f"Cannot create {self.what}: " + "; ".join(problems)}
        decision = plan(desired, state, self.params["tags"], self.params["purge_tags"], self.params["force_desired_count"])
        if decision["recreate"]:
            decision["problem"] = {"msg": recreate_message(self.name, decision, state),
                                   "diff": make_diff(decision["before"], decision["after"])}
        elif decision["controller_blocked"]:
            decision["problem"] = controller_message(self.name, decision, state)
        since = self.params["unless_deployed_since"]
        try:
            aware(since)
        except ValueError:
            return {"problem": f"unless_deployed_since '{since}' is not a time in ISO 8601 (for example 2026-12-04T03:00:00+00:00)"}
        if self.params["force_new_deployment"] and state is not None and not (since and deployed_since(current, since)):
            decision = forced_deployment(decision, current)
        decision["warnings"] = warnings
        decision["rolls_out"] = decision["changed"] and (decision["create"] or "task_definition" in decision["fields"]
                                                         or decision.get("force", False))
        return decision

    def owned(self, current):
        state = current_state(current)
        return dict({key: state[key] for key in OWNED if key in state}, tags=state["tags"])

    def wait(self, waiter_name, state=None):
        timeout = self.params["wait_timeout"]
        stable = waiter_name == "services_stable"
        self.aws.wait(waiter_name, self.what, timeout, waiter_config(timeout)["Delay"], state=state, cluster=self.cluster,
                      services=[self.name], failures=[FAILED_PRIMARY] if stable else (),
                      explain=self.why_unstable if stable else None)

    def why_unstable(self):
        """unstable_explanation of the service as it is now and of its latest stopped tasks."""
        listed = self.aws.call(f"list the stopped tasks of {self.what}", "list_tasks", missing={},
                               answers={"AccessDeniedException": {}}, cluster=self.cluster, serviceName=self.name,
                               desiredStatus="STOPPED", maxResults=STOPPED_TASKS_READ)
        arns = listed.get("taskArns") or []
        tasks = []
        if arns:
            tasks = self.aws.call(f"describe the stopped tasks of {self.what}", "describe_tasks", missing={},
                                  answers={"AccessDeniedException": {}}, cluster=self.cluster, tasks=arns).get("tasks") or []
        return unstable_explanation(self.describe(), tasks)

    def apply(self, decision, current):
        after = decision["after"]
        answer = {}
        if decision["create"]:
            answer = self.aws.call(f"create {self.what}", "create_service", **create_arguments(self.cluster, self.name, after))["service"]
        else:
            args = update_arguments(self.cluster, self.name, decision["fields"], after, current)
            if decision.get("force"):
                args = dict(args or {"cluster": self.cluster, "service": self.name}, forceNewDeployment=True)
            if args:
                answer = self.aws.call(f"update {self.what}", "update_service", **args)["service"]
            self.retag(current["serviceArn"], decision)
        if self.params["wait"]:
            self.wait("services_stable")
        raw = self.describe() or {"serviceName": self.name}
        if decision["rolls_out"]:
            self.rollout = "not_waited"
            if self.params["wait"]:
                self.rollout = rollout_outcome(raw, primary_deployment_id(answer), after["task_definition"])
            if self.rollout == "rolled_back":
                self.rollback_problem = rollback_message(self.name, after["task_definition"], raw)
        return raw

    def delete(self, current):
        action = f"delete {self.what}"
        scaled_in = True
        if current.get("desiredCount"):
            scaled_in = self.aws.call(action, "update_service", missing=None, cluster=self.cluster, service=self.name, desiredCount=0)
        if scaled_in is not None:   # None: the service is gone already
            self.aws.call(action, "delete_service", missing=None, cluster=self.cluster, service=self.name, force=True)
        if self.params["wait"]:
            self.wait("services_inactive", "INACTIVE")

    def result(self, decision, state):
        if self.module.check_mode or not decision["changed"]:
            self.rollout = "not_waited" if decision["rolls_out"] else "none"
            return service_result(state or {"serviceName": self.name}, decision["after"], decision["after"]["tags"])
        now = current_state(state)
        return service_result(state, now, now["tags"])

    def returned(self, result):
        if self.params["state"] == "present":
            result["rollout"] = self.rollout
        if self.rollback_problem:   # the circuit breaker rolled the rollout back: the run fails, saying what it did
            return dict(result, failed=True, msg=self.rollback_problem)
        return result


def main():
    run_module(Service, "service", resource_argument_spec(
        cluster=dict(type="str", required=True),
        task_definition=dict(type="str"),
        desired_count=dict(type="int"),
        force_desired_count=dict(type="bool", default=False),
        force_new_deployment=dict(type="bool", default=False),
        unless_deployed_since=dict(type="str"),
        launch_type=dict(type="str", default="FARGATE", choices=["FARGATE", "EC2", "EXTERNAL"]),
        platform_version=dict(type="str"),
        network_configuration=dict(
            type="dict",
            options=dict(
                subnets=dict(type="list", elements="str", required=True),
                security_groups=dict(type="list", elements="str"),
                assign_public_ip=dict(type="bool", default=False),
            ),
        ),
        load_balancers=dict(
            type="list",
            elements="dict",
            options=dict(
                target_group_arn=dict(type="str", required=True),
                container_name=dict(type="str", required=True),
                container_port=dict(type="int", required=True),
            ),
        ),
        deployment_configuration=dict(
            type="dict",
            options=dict(
                minimum_healthy_percent=dict(type="int"),
                maximum_percent=dict(type="int"),
                circuit_breaker=dict(
                    type="dict",
                    options=dict(enable=dict(type="bool", required=True), rollback=dict(type="bool", default=False)),
                ),
            ),
        ),
        health_check_grace_period_seconds=dict(type="int"),
        enable_execute_command=dict(type="bool"),
        propagate_tags=dict(type="str", choices=["SERVICE", "TASK_DEFINITION", "NONE"]),
        enable_ecs_managed_tags=dict(type="bool"),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
    ))


if __name__ == "__main__":
    main()
