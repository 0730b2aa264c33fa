#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_cluster
version_added: 0.1.0
short_description: Ensure an Amazon ECS cluster with its Container Insights setting, capacity providers and tags
description:
  - Creates, updates or deletes one Amazon ECS cluster, and converges in one call its Container Insights
    setting, its capacity providers with the default capacity provider strategy, and its resource tags.
  - Replaces C(community.aws.ecs_cluster), which has no option for Container Insights or for tags, and
    whose rerun fails with C(Module failed - 'capacityProviders') on a cluster created without capacity
    providers (measured against the local emulator, which omits the key for such a cluster).
  - A cluster in status C(INACTIVE) (deleted, still listed by AWS for a while) counts as absent; it is
    created again.
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same
    C(changed) and C(diff) that the real run would.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  name:
    description:
      - The name of the cluster.
    required: true
    type: str
  state:
    description:
      - Whether the cluster should exist.
      - With V(absent), a cluster that still has active services is not deleted; the module fails and
        names the cluster and the number of its services.
    choices: ["present", "absent"]
    default: present
    type: str
  services_deleted_first:
    description:
      - With O(state=absent), the names of services that earlier tasks of the same run delete.
      - Check mode deletes nothing, so those services still read as active when this task predicts
        the deletion of the cluster; they are not counted then, and any other active service still
        makes check mode fail as the real run would. The real run counts every service.
    type: list
    elements: str
    default: []
  container_insights:
    description:
      - The C(containerInsights) cluster setting. V(enhanced) is Container Insights with enhanced
        observability.
      - When not set, an existing cluster keeps its setting and a new one takes the account default.
    choices: ["enabled", "disabled", "enhanced"]
    type: str
  capacity_providers:
    description:
      - The capacity providers associated with the cluster, for example V(FARGATE) and V(FARGATE_SPOT).
      - Compared as a set; order does not matter. An empty list removes every capacity provider.
      - When not set, an existing cluster keeps its capacity providers.
    type: list
    elements: str
  default_capacity_provider_strategy:
    description:
      - The default capacity provider strategy of the cluster, used by services and tasks launched
        without a launch type or a strategy of their own.
      - Compared as a set of items keyed by capacity provider; an absent O(default_capacity_provider_strategy[].weight)
        or O(default_capacity_provider_strategy[].base) reads as V(0), as AWS stores it.
      - When not set, an existing cluster keeps its strategy.
    type: list
    elements: dict
    suboptions:
      capacity_provider:
        description: The name of a capacity provider of the cluster.
        required: true
        type: str
      weight:
        description: The relative share of tasks placed with this capacity provider. AWS default V(0).
        type: int
      base:
        description: How many tasks, at least, run on this capacity provider. AWS default V(0).
        type: int
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - The setting is written with C(UpdateCluster) (which takes C(settings)); capacity providers and the
    strategy with C(PutClusterCapacityProviders), which takes both at once, so when only one of the two
    options is set the other is sent as the cluster holds it.
  - The local emulator (moto 5.2.5) answers C(UpdateClusterSettings) with an HTTP 500, which is why this
    module uses C(UpdateCluster).
"""

EXAMPLES = r"""
- name: Ensure the application's cluster
  nestjs_playground.infra.ecs_cluster:
    name: nestjs-playground-dev
    container_insights: enabled
    capacity_providers: [FARGATE, FARGATE_SPOT]
    default_capacity_provider_strategy:
      - capacity_provider: FARGATE
        weight: 1
        base: 1
    tags:
      App: nestjs-playground
      Env: dev

- name: Delete the cluster (fails while it still has services)
  nestjs_playground.infra.ecs_cluster:
    name: nestjs-playground-dev
    state: absent

- name: Delete the cluster after a task that deletes its service (check mode predicts it too)
  nestjs_playground.infra.ecs_cluster:
    name: nestjs-playground-dev
    state: absent
    services_deleted_first: [nestjs-playground-dev]
"""

RETURN = r"""
cluster:
  description:
    - The cluster as it is after the run (in check mode, as it would be).
    - Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    cluster_name:
      description: The name of the cluster.
      type: str
      sample: nestjs-playground-dev
    cluster_arn:
      description: The ARN of the cluster; absent in check mode before the cluster exists.
      type: str
      sample: arn:aws:ecs:us-east-1:123456789012:cluster/nestjs-playground-dev
    status:
      description: The status of the cluster, V(ACTIVE) once created; absent in check mode before the cluster exists.
      type: str
      sample: ACTIVE
    settings:
      description: The cluster settings as a dict of setting name to value.
      type: dict
      sample: {"containerInsights": "enabled"}
    capacity_providers:
      description: The capacity providers of the cluster, sorted.
      type: list
      elements: str
      sample: ["FARGATE", "FARGATE_SPOT"]
    default_capacity_provider_strategy:
      description: The default capacity provider strategy, sorted by capacity provider.
      type: list
      elements: dict
      sample: [{"capacity_provider": "FARGATE", "weight": 1, "base": 1}]
    tags:
      description: The cluster's tags.
      type: dict
      sample: {"App": "nestjs-playground", "Env": "dev"}
"""

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import MISSING
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import returned
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_ecs_cluster
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_ecs_services
from ansible_collections.nestjs_playground.infra.plugins.module_utils.ecs_tags import ecs_tags_to_dict
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import owned_changes

# The fields this module owns, as compared and shown in the diff.
OWNED = ("container_insights", "capacity_providers", "default_capacity_provider_strategy", "tags")
CAPACITY_FIELDS = ("capacity_providers", "default_capacity_provider_strategy")


def normalise_strategy(items):
    """A capacity provider strategy, from the module's snake_case or the API's camelCase items, as
    ``[{"capacity_provider", "weight", "base"}]`` with AWS's defaults (0) filled in, sorted by provider
    (the order of a strategy carries no meaning)."""
    out = []
    for item in items or []:
        provider = item.get("capacity_provider", item.get("capacityProvider"))
        out.append({
            "capacity_provider": provider,
            "weight": int(item.get("weight") or 0),
            "base": int(item.get("base") or 0),
        })
    return sorted(out, key=lambda entry: entry["capacity_provider"] or "")


def strategy_for_api(strategy):
    return [{"capacityProvider": i["capacity_provider"], "weight": i["weight"], "base": i["base"]} for i in strategy]


def desired_state(params):
    """The owned fields (but tags) as asked; None means 'leave alone'."""
    providers = params.get("capacity_providers")
    strategy = params.get("default_capacity_provider_strategy")
    return {
        "container_insights": params.get("container_insights"),
        "capacity_providers": None if providers is None else sorted(set(providers)),
        "default_capacity_provider_strategy": None if strategy is None else normalise_strategy(strategy),
    }


def current_state(cluster):
    """A cluster from DescribeClusters (include SETTINGS and TAGS) as this module sees it; None when
    there is no cluster or it is INACTIVE (deleted).

    A cluster created without capacity providers comes back from the emulator without the
    ``capacityProviders`` and ``defaultCapacityProviderStrategy`` keys (AWS returns empty lists): both
    read as empty. A missing ``containerInsights`` setting is ``MISSING``, not a difference.
    """
    if not cluster or cluster.get("status") == "INACTIVE":
        return None
    settings = {s["name"]: s.get("value") for s in cluster.get("settings") or []}
    return {
        "cluster_name": cluster["clusterName"],
        "cluster_arn": cluster["clusterArn"],
        "status": cluster.get("status"),
        "settings": settings,
        "container_insights": settings.get("containerInsights", MISSING),
        "capacity_providers": sorted(cluster.get("capacityProviders") or []),
        "default_capacity_provider_strategy": normalise_strategy(cluster.get("defaultCapacityProviderStrategy")),
        "tags": ecs_tags_to_dict(cluster.get("tags")),
    }


def plan(desired, current, desired_tags, purge_tags):
    """What must be done to go from ``current`` (None: absent) to ``desired``.

    Returns a dict: ``create`` (bool), ``writes`` (the calls to make on an existing cluster, among
    ``settings`` and ``capacity_providers``), ``tags_to_set``/``tags_to_remove``, ``before`` and
    ``after`` (the owned fields) and ``changed``. Pure: no AWS call.
    """
    before = None
    if current is not None:
        before = {key: current[key] for key in OWNED if key in current}
    fields, to_set, to_remove, after = owned_changes(desired, before, desired_tags, purge_tags)
    writes = []
    if current is None:
        # create_cluster takes every field at once.
        after.setdefault("capacity_providers", [])
        after.setdefault("default_capacity_provider_strategy", [])
    else:
        if "container_insights" in fields:
            writes.append("settings")
        if any(field in fields for field in CAPACITY_FIELDS):
            writes.append("capacity_providers")
    shown_before = returned(before)
    return {
        "create": current is None,
        "writes": writes,
        "tags_to_set": to_set,
        "tags_to_remove": to_remove,
        "before": shown_before,
        "after": after,
        "changed": current is None or bool(writes or to_set or to_remove),
    }


def predicted_cluster(name, current, after):
    """The ``cluster`` result in check mode: the current cluster with the planned fields applied."""
    result = {"cluster_name": name}
    settings = {}
    if current is not None:
        result.update({key: current[key] for key in ("cluster_arn", "status")})
        settings.update(current["settings"])
    if "container_insights" in after:
        settings["containerInsights"] = after["container_insights"]
    result.update(
        settings=settings,
        capacity_providers=after["capacity_providers"],
        default_capacity_provider_strategy=after["default_capacity_provider_strategy"],
        tags=after["tags"],
    )
    return result


def public(state):
    """The ``cluster`` result from a ``current_state``: every field but the diff-only ``container_insights``."""
    return {key: value for key, value in state.items() if key != "container_insights"}


def blocking_services(active, deleted_first, check_mode):
    """The active services that stop the cluster's deletion. Pure.

    In check mode, the services an earlier task of the same run deletes (``deleted_first``) still read as
    active but will be gone by the time the real run reaches this task; the real run counts them all.
    """
    if not check_mode:
        return list(active)
    return [service for service in active if service not in set(deleted_first or [])]


def services_problem(name, services):
    """The failure of a deletion that ``services`` (active) stop. Pure."""
    if services:
        shown = ", ".join(services[:5]) + (", ..." if len(services) > 5 else "")
        what = f"{len(services)} active service(s) ({shown})"
    else:
        # DeleteCluster refused, but no service reads ACTIVE any more (one is still draining).
        what = "services that are still being deleted"
    return {"msg": f"ECS cluster {name} still has {what}; delete them before deleting the cluster", "services_count": len(services)}


class Cluster(Resource):
    """The ECS cluster ``name``, with its Container Insights setting, capacity providers and tags."""

    service = "ecs"
    kind = "ECS cluster"

    def describe(self):
        return current_state(find_ecs_cluster(self.aws, self.name, f"describe {self.what}", include=["SETTINGS", "TAGS"]))

    def plan(self, current):
        return plan(desired_state(self.params), current, self.params["tags"], self.params["purge_tags"])

    def owned(self, current):
        return returned(current, OWNED)

    def apply(self, decision, current):
        after = decision["after"]
        if decision["create"]:
            request = {"clusterName": self.name}
            if "container_insights" in after:
                request["settings"] = [{"name": "containerInsights", "value": after["container_insights"]}]
            request.update(self.tags.create_argument(after["tags"]))
            if after["capacity_providers"]:
                request["capacityProviders"] = after["capacity_providers"]
            if after["default_capacity_provider_strategy"]:
                request["defaultCapacityProviderStrategy"] = strategy_for_api(after["default_capacity_provider_strategy"])
            self.aws.call(f"create {self.what}", "create_cluster", **request)
        if "settings" in decision["writes"]:
            # UpdateCluster, not UpdateClusterSettings: both take settings on AWS, only the first is
            # implemented by the emulator.
            self.aws.call(f"update the settings of {self.what}", "update_cluster", cluster=self.name,
                          settings=[{"name": "containerInsights", "value": after["container_insights"]}])
        if "capacity_providers" in decision["writes"]:
            # PutClusterCapacityProviders needs both lists; `after` carries the current value of whichever
            # one was not asked for.
            self.aws.call(f"update the capacity providers of {self.what}", "put_cluster_capacity_providers",
                          cluster=self.name, capacityProviders=after["capacity_providers"],
                          defaultCapacityProviderStrategy=strategy_for_api(after["default_capacity_provider_strategy"]))
        if not decision["create"]:
            self.retag(current["cluster_arn"], decision)
        return self.describe()

    def active_services(self):
        """The names of the cluster's ACTIVE services.

        ListServices on AWS lists only ACTIVE services; the emulator also lists deleted (INACTIVE) ones,
        so their status is read with DescribeServices.
        """
        action = f"list the services of {self.what}"
        arns = self.aws.pages(action, "list_services", missing={}, cluster=self.name).get("serviceArns", [])
        names = []
        for start in range(0, len(arns), 10):
            services = find_ecs_services(self.aws, self.name, arns[start:start + 10], action)
            names += [s["serviceName"] for s in services if s.get("status") == "ACTIVE"]
        return sorted(names)

    def deletion_problem(self, current):
        # Checked before deleting (and in check mode), so that check mode fails where the real run would;
        # DeleteCluster's ClusterContainsServicesException stays the backstop.
        services = blocking_services(self.active_services(), self.params["services_deleted_first"], self.module.check_mode)
        return services_problem(self.name, services) if services else None

    def delete(self, current):
        self.aws.call(f"delete {self.what}", "delete_cluster", missing=None, cluster=self.name, refusals={
            "ClusterContainsServicesException": lambda: services_problem(self.name, self.active_services())})

    def result(self, decision, state):
        if decision["changed"] and self.module.check_mode:
            return predicted_cluster(self.name, state, decision["after"])
        return public(state or {})   # as it is, or as the real run left it (described again)


def main():
    run_module(Cluster, "cluster", resource_argument_spec(
        container_insights=dict(type="str", choices=["enabled", "disabled", "enhanced"]),
        capacity_providers=dict(type="list", elements="str"),
        default_capacity_provider_strategy=dict(
            type="list",
            elements="dict",
            options=dict(
                capacity_provider=dict(type="str", required=True),
                weight=dict(type="int"),
                base=dict(type="int"),
            ),
        ),
        services_deleted_first=dict(type="list", elements="str", default=[]),
    ))


if __name__ == "__main__":
    main()
