# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The read-only calls on one deployment's resources, shared by the modules that read a deployment without
changing anything: ``deployment_info`` (each tier's fact, for site.yml's ``--tags``) and
``deployment_status`` (is it healthy, for playbooks/status.yml); ``imported_network_info`` shares the
certificate read.

``leftovers_info`` (is anything of a switched-off feature left) builds on the same reader.

A resource that a module manages is read through the same describe as that module's (describes.py, and
load_balancing.find_by_name for load balancers and target groups); the reader adds what counts as gone for
a deployment (an ECS cluster that is not ACTIVE, a secret scheduled for deletion).

Every call is retried with jittered backoff on throttling; an AWS error fails the module with what was
being read; a resource that does not exist reads as ``None`` (or empty). Nothing here writes.
"""

from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_db_cluster
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_ecs_cluster
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_ecs_services
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_log_group
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_repository
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_secret
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_security_groups
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_task_definition
from ansible_collections.nestjs_playground.infra.plugins.module_utils.load_balancing import find_by_name
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import ServiceCalls
from ansible_collections.nestjs_playground.infra.plugins.module_utils.times import as_text

# filter_log_events pages read per time slice at most (each up to 10,000 events or 1 MB).
MAX_LOG_PAGES = 20
# Every CloudFormation stack status but DELETE_COMPLETE: a stack in any of them still owns its resources.
LIVE_STACK_STATUSES = [
    "CREATE_IN_PROGRESS", "CREATE_FAILED", "CREATE_COMPLETE", "ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED", "ROLLBACK_COMPLETE",
    "DELETE_IN_PROGRESS", "DELETE_FAILED", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE",
    "UPDATE_FAILED", "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_FAILED", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS", "IMPORT_IN_PROGRESS", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_IN_PROGRESS",
    "IMPORT_ROLLBACK_FAILED", "IMPORT_ROLLBACK_COMPLETE",
]
# What DescribeCertificate answers for an ARN that names no certificate (or no valid one): read as None.
CERTIFICATE_NOT_FOUND = dict.fromkeys(("ResourceNotFoundException", "ValidationException", "InvalidArnException"))


def certificate_summary(certificate):
    """What the modules use of an ACM ``DescribeCertificate`` answer (dates as ISO 8601 text)."""
    return {
        "status": certificate.get("Status"),
        "type": certificate.get("Type"),
        "domain_name": certificate.get("DomainName"),
        "subject_alternative_names": certificate.get("SubjectAlternativeNames", []),
        "not_after": as_text(certificate.get("NotAfter")),
        "renewal_status": (certificate.get("RenewalSummary") or {}).get("RenewalStatus"),
    }


def read_certificate(calls, arn):
    """The certificate's summary, or None when no certificate has that ARN. ``calls``: ACM's
    ``resource.ServiceCalls``."""
    answer = calls.call(f"read certificate {arn}", "describe_certificate", answers=CERTIFICATE_NOT_FOUND, CertificateArn=arn)
    return None if answer is None else certificate_summary(answer["Certificate"])


class Reader:
    """The read-only calls, each through the service's ``resource.ServiceCalls`` (retried through
    throttling, failing with what was being read; a resource that is not there reads as None)."""

    def __init__(self, module):
        self.module = module
        self._calls = {}

    def calls(self, service):
        if service not in self._calls:
            self._calls[service] = ServiceCalls(self.module, service)
        return self._calls[service]

    # Database tier -------------------------------------------------------------------------------

    def db_cluster(self, identifier):
        return find_db_cluster(self.calls("rds"), identifier, f"read the Aurora cluster {identifier}")

    def db_instances(self, cluster_identifier):
        """The cluster's instances (every page)."""
        return self.calls("rds").pages(f"read the instances of the Aurora cluster {cluster_identifier}", "describe_db_instances",
                                       Filters=[{"Name": "db-cluster-id", "Values": [cluster_identifier]}])["DBInstances"]

    def secret(self, name):
        """The secret's description, or None when it does not exist or is scheduled for deletion."""
        secret = find_secret(self.calls("secretsmanager"), name, f"read the secret {name}")
        return None if secret is None or secret.get("DeletedDate") else secret

    def security_group_id(self, vpc_id, name):
        group = self.security_groups(vpc_id, [name], f"read the security group {name}").get(name)
        return group["GroupId"] if group else None

    def security_groups(self, vpc_id, names, action):
        """``{name: group}`` for those of ``names`` that exist in the VPC (one read)."""
        return find_security_groups(self.calls("ec2"), vpc_id, names, action)

    # CloudFormation (the CDK app's stacks: imported_network_info refuses them, adopt_cdk.yml reads them) ----------

    def live_stacks(self, names):
        """{name: ListStacks' summary} of the stacks of ``names`` that exist (any status but DELETE_COMPLETE): one
        ListStacks call (a page per 100 stacks of the account and region), none without names."""
        if not names:
            return {}
        summaries = self.calls("cloudformation").pages("list the CloudFormation stacks", "list_stacks",
                                                       StackStatusFilter=LIVE_STACK_STATUSES)["StackSummaries"]
        return {s["StackName"]: s for s in summaries if s["StackName"] in names}

    def stack_resources(self, stack_id, name):
        """The stack's resources as {type, logical_id, physical_id} (empty when CloudFormation has none), in its order;
        none for a stack deleted meanwhile."""
        listed = self.calls("cloudformation").pages(f"list the resources of the CloudFormation stack {name}", "list_stack_resources",
                                                    answers={"ValidationError": {"StackResourceSummaries": []}}, StackName=stack_id)
        return [{"type": r["ResourceType"], "logical_id": r["LogicalResourceId"], "physical_id": r.get("PhysicalResourceId") or ""}
                for r in listed["StackResourceSummaries"]]

    # ECR tier ------------------------------------------------------------------------------------

    def repository(self, name):
        return find_repository(self.calls("ecr"), name, f"read the ECR repository {name}")

    # Compute and scheduler tiers -----------------------------------------------------------------

    def ecs_cluster(self, name):
        cluster = find_ecs_cluster(self.calls("ecs"), name, f"read the ECS cluster {name}")
        return cluster if cluster and cluster.get("status") == "ACTIVE" else None

    def ecs_services(self, cluster, names):
        """``{name: service}`` for those of ``names`` that the cluster holds (in any status), in one call
        (ECS describes up to 10 services at once); {} when the cluster does not exist."""
        services = find_ecs_services(self.calls("ecs"), cluster, names, "read the ECS services " + ", ".join(names))
        return {service["serviceName"]: service for service in services}

    def ecs_service(self, cluster, name):
        return self.ecs_services(cluster, [name]).get(name)

    def task_definition(self, arn):
        return find_task_definition(self.calls("ecs"), arn, f"read the task definition {arn}")["taskDefinition"]

    def load_balancer(self, name):
        return find_by_name(self.calls("elbv2"), "load_balancer", name, f"read the load balancer {name}")

    def target_group(self, name):
        return find_by_name(self.calls("elbv2"), "target_group", name, f"read the target group {name}")

    def target_group_by_arn(self, arn):
        found = self.calls("elbv2").call(f"read the target group {arn}", "describe_target_groups", missing={},
                                         TargetGroupArns=[arn]).get("TargetGroups")
        return found[0] if found else None

    def target_health(self, arn):
        return self.calls("elbv2").call(f"read the health of the targets of {arn}", "describe_target_health",
                                        TargetGroupArn=arn)["TargetHealthDescriptions"]

    # Logs ----------------------------------------------------------------------------------------

    def log_group_exists(self, name):
        return find_log_group(self.calls("logs"), name, f"read the log group {name}") is not None

    def log_events(self, group, start_ms, end_ms):
        """The events of every stream of ``group`` from ``start_ms`` (included) to ``end_ms`` (excluded),
        in the order AWS returns them (at most MAX_LOG_PAGES pages); None when the group does not exist."""
        events, token = [], None
        for _page in range(MAX_LOG_PAGES):
            params = {"logGroupName": group, "startTime": start_ms, "endTime": end_ms}
            if token:
                params["nextToken"] = token
            answer = self.calls("logs").call(f"read the log events of {group}", "filter_log_events", missing=None, **params)
            if answer is None:
                return None
            events += answer.get("events", [])
            token = answer.get("nextToken")
            if not token:
                break
        return events

    # Certificate ---------------------------------------------------------------------------------

    def certificate(self, arn):
        return read_certificate(self.calls("acm"), arn)
