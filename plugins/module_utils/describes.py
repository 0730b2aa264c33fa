# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The describe of each resource that both its managing module and the modules that only read it
(module_utils/deployment.py's ``Reader`` under ``deployment_info``, ``deployment_status``, ``leftovers_info``
and ``cloudformation_stacks_info``; ``ecs_service_images_info``, ``ecs_task_definition_info``) make, said
once; the load balancer's and target group's is ``load_balancing.find_by_name``.

Each takes the service's ``resource.ServiceCalls`` and ``action``, what a failure was doing (the managing
module says ``describe ...``, the reader ``read the ...``). Each returns the resource as AWS describes it,
or None (empty) when there is none; what counts as gone beyond that (an INACTIVE cluster, a secret
scheduled for deletion) is the caller's decision.
"""


def find_db_cluster(calls, identifier, action):
    """The Aurora cluster ``identifier`` as DescribeDBClusters describes it (its tags included), or None."""
    found = calls.call(action, "describe_db_clusters", missing={}, DBClusterIdentifier=identifier).get("DBClusters")
    return found[0] if found else None


def find_repository(calls, name, action):
    """The ECR repository ``name`` as DescribeRepositories describes it, or None."""
    found = calls.call(action, "describe_repositories", missing={}, repositoryNames=[name]).get("repositories")
    return found[0] if found else None


def find_ecs_cluster(calls, name, action, include=()):
    """The ECS cluster ``name`` as DescribeClusters describes it (with ``include``: ``SETTINGS``, ``TAGS``), in any
    status, or None. A missing cluster is a 'failure' entry (reason MISSING), not an error."""
    clusters = calls.call(action, "describe_clusters", clusters=[name], **({"include": list(include)} if include else {}))["clusters"]
    return clusters[0] if clusters else None


def find_ecs_services(calls, cluster, names, action, include=()):
    """DescribeServices' services of ``names`` (at most 10, ECS's limit of one call) in ``cluster``, in any status
    (with ``include``: ``TAGS``); none when the cluster does not exist."""
    return calls.call(action, "describe_services", missing={}, cluster=cluster, services=list(names),
                      **({"include": list(include)} if include else {})).get("services", [])


def find_task_definition(calls, reference, action, include=(), answers=None):
    """DescribeTaskDefinition's answer for ``reference``: a revision (``family:revision`` or its ARN) or a family (its
    latest ACTIVE revision), with ``include`` (``TAGS``). ``answers`` as ``ServiceCalls.call``'s: ECS answers a
    ClientException for a definition that does not exist."""
    return calls.call(action, "describe_task_definition", answers=answers, taskDefinition=reference,
                      **({"include": list(include)} if include else {}))


def find_role(calls, name, action):
    """The IAM role ``name`` as GetRole describes it (its tags included), or None."""
    answer = calls.call(action, "get_role", missing=None, RoleName=name)
    return None if answer is None else answer["Role"]


def find_secret(calls, name, action):
    """DescribeSecret's answer for ``name`` (with ``Tags`` and, when it is scheduled for deletion, ``DeletedDate``),
    or None."""
    return calls.call(action, "describe_secret", missing=None, SecretId=name)


def find_security_groups(calls, vpc_id, names, action):
    """``{name: the group as DescribeSecurityGroups describes it}`` for those of ``names`` that exist in the VPC
    ``vpc_id`` (one read, every page)."""
    pages = calls.pages(action, "describe_security_groups",
                        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": list(names)}])
    return {group["GroupName"]: group for group in pages.get("SecurityGroups", [])}


def find_flow_logs(calls, resource_ids, action):
    """DescribeFlowLogs' flow logs of the resources ``resource_ids`` (VPCs, subnets, interfaces), every page."""
    return calls.pages(action, "describe_flow_logs", Filter=[{"Name": "resource-id", "Values": list(resource_ids)}]).get("FlowLogs", [])


def find_log_group(calls, name, action):
    """The log group ``name`` as DescribeLogGroups describes it, or None: read page by page with ``name`` as the
    prefix until ``name`` itself is found (more groups than a page holds may share the prefix)."""
    params = {"logGroupNamePrefix": name}
    while True:
        answer = calls.call(action, "describe_log_groups", **params)
        found = log_group_named(answer.get("logGroups", []), name)
        if found:
            return found
        if not answer.get("nextToken"):
            return None
        params["nextToken"] = answer["nextToken"]


def log_group_named(groups, name):
    """The group of DescribeLogGroups' ``groups`` (read by prefix) named exactly ``name``, or None."""
    return next((group for group in groups if group.get("logGroupName") == name), None)
