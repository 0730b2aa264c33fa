#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: leftovers_info
version_added: 0.1.0
short_description: Tell which of the named ECS services, task definition families, IAM roles, security groups, log groups and flow logs still exist
description:
  - Reads, without changing anything, whether each resource it is given by name still exists, and returns
    those that do in RV(existing) and whether any does in RV(found). Only the kinds it is given are read.
  - The roles run it before removing an optional feature that is off (the scheduler while
    C(schedule_task_cleanup_cron) is unset, the VPC flow logs while C(vpc_flow_logs_enabled) is off), and
    run the removal tasks only when something is left. Without it, every run of such an environment ran
    every removal task, each an Ansible module process of about a second that found nothing to remove
    (six for the scheduler, three for the flow logs).
  - Written because no module of amazon.aws 10.1.2 or community.aws 10.0.0 answers "does any of these
    exist" in one call - their C(_info) modules read one kind each, so reading the scheduler's five kinds
    would cost five processes - and each removal task costs a process even when there is nothing to
    remove. One process reading every kind costs one task.
  - It makes the fewest read calls it can, one request per kind where the API takes a list
    (C(DescribeServices) per cluster, up to 10 services a call; one C(DescribeSecurityGroups); one
    C(DescribeFlowLogs)) and one per name where it does not (C(ListTaskDefinitions) per family,
    C(GetRole) per role, C(DescribeLogGroups) per log group), more only when an answer runs over a page.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  ecs_services:
    description:
      - ECS services, each by cluster and name. A service is left while its status is C(ACTIVE) or
        C(DRAINING) (being deleted); an C(INACTIVE) service, and any service of a cluster that does not
        exist, is not.
    type: list
    elements: dict
    suboptions:
      cluster: {description: The cluster's name or ARN., type: str, required: true}
      name: {description: The service's name., type: str, required: true}
  task_definition_families:
    description:
      - Task definition families. A family is left while at least one of its revisions is C(ACTIVE)
        (exactly this family, not the families it is a prefix of).
    type: list
    elements: str
  iam_roles:
    description: IAM role names.
    type: list
    elements: str
  security_groups:
    description: Security groups of one VPC, by name.
    type: dict
    suboptions:
      vpc_id: {description: The VPC., type: str, required: true}
      names: {description: The groups' names., type: list, elements: str, required: true}
  log_groups:
    description: CloudWatch Logs log groups, by exact name (not a prefix).
    type: list
    elements: str
  flow_logs:
    description:
      - Flow logs, each by the resource it logs and the CloudWatch Logs group it delivers to (as
        M(nestjs_playground.infra.vpc_flow_log) finds its own).
    type: list
    elements: dict
    suboptions:
      resource_id: {description: The VPC (or subnet or network interface) logged., type: str, required: true}
      log_group_name: {description: The log group the records go to., type: str, required: true}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode (it never changes anything), and reads the same in check mode.
  - The AWS calls are C(DescribeServices), C(ListTaskDefinitions), C(GetRole), C(DescribeSecurityGroups),
    C(DescribeLogGroups) and C(DescribeFlowLogs).
  - C(ListTaskDefinitionFamilies) could list several families in one call, but the local AWS emulator
    ignores its C(status) filter (a family whose revisions are all C(INACTIVE) would read as left), so
    the families are read one C(ListTaskDefinitions) each. C(DescribeLogGroups) could take several names
    (C(logGroupIdentifiers)), but the emulator ignores that parameter, so each name is read with its own
    prefix and the answer filtered to the exact name.
"""

EXAMPLES = r"""
- name: Find what is left of the scheduler
  nestjs_playground.infra.leftovers_info:
    ecs_services:
      - cluster: nestjs-playground-dev
        name: nestjs-playground-scheduler-dev
    task_definition_families: [nestjs-playground-scheduler-dev]
    iam_roles: [nestjs-playground-scheduler-dev-execution, nestjs-playground-scheduler-dev-task]
    security_groups:
      vpc_id: vpc-0123456789abcdef0
      names: [nestjs-playground-scheduler-dev]
    log_groups: [/ecs/nestjs-playground-scheduler-dev]
  register: leftovers

- name: Remove them only when something is left
  ansible.builtin.import_tasks: absent.yml
  when: leftovers.found

- name: Find the flow log of the VPC into the environment's log group
  nestjs_playground.infra.leftovers_info:
    flow_logs:
      - resource_id: vpc-0123456789abcdef0
        log_group_name: /vpc/nestjs-playground-dev/flow-logs
"""

RETURN = r"""
found:
  description: Whether anything of what was asked for exists.
  returned: always
  type: bool
  sample: true
existing:
  description:
    - What exists, in the shape it was asked for, in the order given (each entry once); a kind that was
      not asked for is left out, a kind of which nothing exists is empty.
  returned: always
  type: dict
  contains:
    ecs_services:
      description: The services (cluster and name, as given) that are C(ACTIVE) or C(DRAINING).
      returned: when asked
      type: list
      elements: dict
      sample: [{"cluster": "nestjs-playground-dev", "name": "nestjs-playground-scheduler-dev"}]
    task_definition_families:
      description: The families with at least one C(ACTIVE) revision.
      returned: when asked
      type: list
      elements: str
      sample: ["nestjs-playground-scheduler-dev"]
    iam_roles:
      description: The roles that exist.
      returned: when asked
      type: list
      elements: str
      sample: ["nestjs-playground-scheduler-dev-task"]
    security_groups:
      description: The VPC and the names of its groups that exist.
      returned: when asked
      type: dict
      sample: {"vpc_id": "vpc-0123456789abcdef0", "names": ["nestjs-playground-scheduler-dev"]}
    log_groups:
      description: The log groups that exist.
      returned: when asked
      type: list
      elements: str
      sample: ["/ecs/nestjs-playground-scheduler-dev"]
    flow_logs:
      description: The (resource, log group) pairs that a flow log delivers for.
      returned: when asked
      type: list
      elements: dict
      sample: [{"resource_id": "vpc-0123456789abcdef0", "log_group_name": "/vpc/nestjs-playground-dev/flow-logs"}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.nestjs_playground.infra.plugins.module_utils.deployment import Reader
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_flow_logs
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_role
from ansible_collections.nestjs_playground.infra.plugins.module_utils.ecs_task_definitions import active_revision_arns
from ansible_collections.nestjs_playground.infra.plugins.module_utils.flow_logs import delivers_to

KINDS = ("ecs_services", "task_definition_families", "iam_roles", "security_groups", "log_groups", "flow_logs")
LEFT_SERVICE_STATUSES = ("ACTIVE", "DRAINING")   # DRAINING: deleted, its tasks still stopping
DESCRIBE_SERVICES_LIMIT = 10                      # services per DescribeServices call


# What is left, from AWS's answers: pure ------------------------------------------------------------

def unique(items):
    """``items`` in their order, each once (dicts compared by value)."""
    seen, kept = [], []
    for item in items:
        key = tuple(sorted(item.items())) if isinstance(item, dict) else item
        if key not in seen:
            seen.append(key)
            kept.append(item)
    return kept


def services_by_cluster(services):
    """``[{cluster, name}]`` -> ``[(cluster, [names, at most 10])]``: the DescribeServices calls to make,
    one per cluster (more past 10 services), in the order given."""
    names = {}
    for service in unique(services):
        names.setdefault(service["cluster"], []).append(service["name"])
    return [(cluster, found[start:start + DESCRIBE_SERVICES_LIMIT])
            for cluster, found in names.items() for start in range(0, len(found), DESCRIBE_SERVICES_LIMIT)]


def services_left(asked, described):
    """The asked services (``{cluster, name}``) that are ACTIVE or DRAINING. ``described``:
    ``{cluster: [services DescribeServices returned]}``, a cluster that does not exist with none."""
    status = {(cluster, service.get("serviceName")): service.get("status")
              for cluster, services in described.items() for service in services}
    return [s for s in unique(asked) if status.get((s["cluster"], s["name"])) in LEFT_SERVICE_STATUSES]


def security_groups_left(asked, groups):
    """``{vpc_id, names}``: the asked names that DescribeSecurityGroups' ``groups`` hold in that VPC."""
    present = {group.get("GroupName") for group in groups if group.get("VpcId") == asked["vpc_id"]}
    return {"vpc_id": asked["vpc_id"], "names": [name for name in unique(asked["names"]) if name in present]}


def flow_logs_left(asked, flow_logs):
    """The asked ``{resource_id, log_group_name}`` that a flow log in ``flow_logs`` delivers for."""
    return [pair for pair in unique(asked)
            if any(delivers_to(flow_log, pair["resource_id"], pair["log_group_name"]) for flow_log in flow_logs)]


def anything_found(existing):
    """Whether ``existing`` (this module's return value) names any resource."""
    return any(existing[kind]["names"] if kind == "security_groups" else existing[kind] for kind in existing)


# The reads ------------------------------------------------------------------------------------------

class Leftovers(Reader):
    """``left_<kind>``: what is left of each kind asked for. The read-only calls (module_utils/deployment.py's,
    and these) go through each service's ``resource.ServiceCalls``: retried through throttling, an error
    fails the module with what was being read."""

    def left_ecs_services(self, asked):
        described = {}
        for cluster, names in services_by_cluster(asked):   # a cluster of more than 10 comes more than once
            described.setdefault(cluster, []).extend(self.ecs_services(cluster, names).values())
        return services_left(asked, described)

    def left_task_definition_families(self, families):
        ecs = self.calls("ecs")
        left = []
        for family in unique(families):
            with ecs.failing(f"read the ACTIVE task definitions of the family {family}"):
                if active_revision_arns(ecs.client, ecs.retry, family):
                    left.append(family)
        return left

    def left_iam_roles(self, names):
        return [name for name in unique(names)
                if find_role(self.calls("iam"), name, f"read the IAM role {name}")]

    def left_security_groups(self, asked):
        if not asked["names"]:
            return {"vpc_id": asked["vpc_id"], "names": []}
        groups = self.security_groups(asked["vpc_id"], unique(asked["names"]), f"read the security groups of {asked['vpc_id']}")
        return security_groups_left(asked, groups.values())

    def left_log_groups(self, names):
        return [name for name in unique(names) if self.log_group_exists(name)]

    def left_flow_logs(self, asked):
        if not asked:
            return []
        resources = unique([pair["resource_id"] for pair in asked])
        return flow_logs_left(asked, find_flow_logs(self.calls("ec2"), resources, "read the flow logs of " + ", ".join(resources)))


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            ecs_services=dict(type="list", elements="dict", options=dict(
                cluster=dict(type="str", required=True), name=dict(type="str", required=True))),
            task_definition_families=dict(type="list", elements="str"),
            iam_roles=dict(type="list", elements="str"),
            security_groups=dict(type="dict", options=dict(
                vpc_id=dict(type="str", required=True), names=dict(type="list", elements="str", required=True))),
            log_groups=dict(type="list", elements="str"),
            flow_logs=dict(type="list", elements="dict", options=dict(
                resource_id=dict(type="str", required=True), log_group_name=dict(type="str", required=True))),
        ),
        supports_check_mode=True,
    )
    reader = Leftovers(module)
    existing = {}
    for kind in KINDS:
        if module.params[kind] is not None:
            existing[kind] = getattr(reader, f"left_{kind}")(module.params[kind])
    module.exit_json(changed=False, found=anything_found(existing), existing=existing)


if __name__ == "__main__":
    main()
