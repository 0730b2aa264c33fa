# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The read-only calls on one deployment's resources, shared by the modules that read a deployment without
changing anything: ``deployment_info`` (each tier's fact, for site.yml's ``--tags``) and
``deployment_status`` (is it healthy, for playbooks/status.yml); ``imported_network_info`` shares the
certificate read.

``leftovers_info`` (is anything of a switched-off feature left) builds on the same reader.

Every call is retried with jittered backoff on throttling; an AWS error fails the module with what was
being read; a resource that does not exist reads as ``None`` (or empty). Nothing here writes.
"""

try:
    import botocore.exceptions

    BOTO_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
except ImportError:
    BOTO_ERRORS = ()  # AnsibleAWSModule reports the missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.nestjs_playground.infra.plugins.module_utils.throttling import jittered_backoff

# filter_log_events pages read per time slice at most (each up to 10,000 events or 1 MB).
MAX_LOG_PAGES = 20
CERTIFICATE_NOT_FOUND = ["ResourceNotFoundException", "ValidationException", "InvalidArnException"]


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def log_group_named(groups, name):
    """Whether DescribeLogGroups' ``groups`` (read by prefix) hold exactly ``name``."""
    return any(group.get("logGroupName") == name for group in groups)


def certificate_summary(certificate):
    """What the modules use of an ACM ``DescribeCertificate`` answer (dates as ISO 8601 text)."""
    return {
        "status": certificate.get("Status"),
        "type": certificate.get("Type"),
        "domain_name": certificate.get("DomainName"),
        "subject_alternative_names": certificate.get("SubjectAlternativeNames", []),
        "not_after": _iso(certificate.get("NotAfter")),
        "renewal_status": (certificate.get("RenewalSummary") or {}).get("RenewalStatus"),
    }


def read_certificate(client, arn, fail):
    """The certificate's summary, or None when no certificate has that ARN. ``fail(error, what)`` reports
    any other error."""
    try:
        certificate = client.describe_certificate(aws_retry=True, CertificateArn=arn)["Certificate"]
    except is_boto3_error_code(CERTIFICATE_NOT_FOUND):
        return None
    except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
        fail(e, f"certificate {arn}")
    return certificate_summary(certificate)


class Reader:
    """The read-only calls, each retried with jittered backoff on throttling."""

    def __init__(self, module):
        self.module = module
        self.retry = jittered_backoff()
        self._clients = {}

    def client(self, service):
        if service not in self._clients:
            self._clients[service] = self.module.client(service, retry_decorator=self.retry)
        return self._clients[service]

    def _fail(self, error, what):
        self.module.fail_json_aws(error, msg=f"Unable to read {what}")

    # Database tier -------------------------------------------------------------------------------

    def db_cluster(self, identifier):
        try:
            return self.client("rds").describe_db_clusters(aws_retry=True, DBClusterIdentifier=identifier)["DBClusters"][0]
        except is_boto3_error_code("DBClusterNotFoundFault"):
            return None
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            self._fail(e, f"the Aurora cluster {identifier}")

    def db_instances(self, cluster_identifier):
        """The cluster's instances (every page)."""
        instances, marker = [], None
        try:
            while True:
                params = {"Filters": [{"Name": "db-cluster-id", "Values": [cluster_identifier]}]}
                if marker:
                    params["Marker"] = marker
                answer = self.client("rds").describe_db_instances(aws_retry=True, **params)
                instances += answer["DBInstances"]
                marker = answer.get("Marker")
                if not marker:
                    return instances
        except BOTO_ERRORS as e:
            self._fail(e, f"the instances of the Aurora cluster {cluster_identifier}")

    def secret(self, name):
        """The secret's description, or None when it does not exist or is scheduled for deletion."""
        try:
            secret = self.client("secretsmanager").describe_secret(aws_retry=True, SecretId=name)
        except is_boto3_error_code("ResourceNotFoundException"):
            return None
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            self._fail(e, f"the secret {name}")
        return None if secret.get("DeletedDate") else secret

    def security_group_id(self, vpc_id, name):
        try:
            groups = self.client("ec2").describe_security_groups(
                aws_retry=True,
                Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [name]}],
            )["SecurityGroups"]
        except BOTO_ERRORS as e:
            self._fail(e, f"the security group {name}")
        return groups[0]["GroupId"] if groups else None

    # ECR tier ------------------------------------------------------------------------------------

    def repository(self, name):
        try:
            return self.client("ecr").describe_repositories(aws_retry=True, repositoryNames=[name])["repositories"][0]
        except is_boto3_error_code("RepositoryNotFoundException"):
            return None
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            self._fail(e, f"the ECR repository {name}")

    # Compute and scheduler tiers -----------------------------------------------------------------

    def ecs_cluster(self, name):
        try:
            clusters = self.client("ecs").describe_clusters(aws_retry=True, clusters=[name])["clusters"]
        except BOTO_ERRORS as e:
            self._fail(e, f"the ECS cluster {name}")
        return next((c for c in clusters if c.get("status") == "ACTIVE"), None)

    def ecs_services(self, cluster, names):
        """``{name: service}`` for those of ``names`` that the cluster holds (in any status), in one call
        (ECS describes up to 10 services at once); {} when the cluster does not exist."""
        try:
            services = self.client("ecs").describe_services(aws_retry=True, cluster=cluster, services=list(names))["services"]
        except is_boto3_error_code("ClusterNotFoundException"):
            return {}
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            self._fail(e, "the ECS services " + ", ".join(names))
        return {service["serviceName"]: service for service in services}

    def ecs_service(self, cluster, name):
        return self.ecs_services(cluster, [name]).get(name)

    def task_definition(self, arn):
        try:
            return self.client("ecs").describe_task_definition(aws_retry=True, taskDefinition=arn)["taskDefinition"]
        except BOTO_ERRORS as e:
            self._fail(e, f"the task definition {arn}")

    def load_balancer(self, name):
        try:
            return self.client("elbv2").describe_load_balancers(aws_retry=True, Names=[name])["LoadBalancers"][0]
        except is_boto3_error_code("LoadBalancerNotFound"):
            return None
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            self._fail(e, f"the load balancer {name}")

    def target_group(self, name):
        try:
            return self.client("elbv2").describe_target_groups(aws_retry=True, Names=[name])["TargetGroups"][0]
        except is_boto3_error_code("TargetGroupNotFound"):
            return None
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            self._fail(e, f"the target group {name}")

    def target_health(self, arn):
        try:
            return self.client("elbv2").describe_target_health(aws_retry=True, TargetGroupArn=arn)["TargetHealthDescriptions"]
        except BOTO_ERRORS as e:
            self._fail(e, f"the health of the targets of {arn}")

    # Logs ----------------------------------------------------------------------------------------

    def log_group_exists(self, name):
        """Read page by page with ``name`` as the prefix, until ``name`` itself is found (more groups
        than a page holds may share the prefix)."""
        params = {"logGroupNamePrefix": name}
        try:
            while True:
                answer = self.client("logs").describe_log_groups(aws_retry=True, **params)
                if log_group_named(answer.get("logGroups", []), name):
                    return True
                if not answer.get("nextToken"):
                    return False
                params["nextToken"] = answer["nextToken"]
        except BOTO_ERRORS as e:
            self._fail(e, f"the log group {name}")

    def log_events(self, group, start_ms, end_ms):
        """The events of every stream of ``group`` from ``start_ms`` (included) to ``end_ms`` (excluded),
        in the order AWS returns them (at most MAX_LOG_PAGES pages); None when the group does not exist."""
        events, token = [], None
        try:
            for _page in range(MAX_LOG_PAGES):
                params = {"logGroupName": group, "startTime": start_ms, "endTime": end_ms}
                if token:
                    params["nextToken"] = token
                answer = self.client("logs").filter_log_events(aws_retry=True, **params)
                events += answer.get("events", [])
                token = answer.get("nextToken")
                if not token:
                    break
        except is_boto3_error_code("ResourceNotFoundException"):
            return None
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            self._fail(e, f"the log events of {group}")
        return events

    # Certificate ---------------------------------------------------------------------------------

    def certificate(self, arn):
        return read_certificate(self.client("acm"), arn, self._fail)
