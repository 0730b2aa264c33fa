"""The describes shared by the managing modules and module_utils/deployment.py's Reader (module_utils/describes.py),
over a stubbed client (botocore Stubber): what each returns, and None (or empty) for a resource that is not there."""

import pytest

from ansible_collections.nestjs_playground.infra.plugins.module_utils import describes
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import ServiceCalls

from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule


def calls_of(service):
    module = FakeModule()
    return ServiceCalls(module, service), module.stubber(service)


@pytest.mark.parametrize("answer", ["found", "not_found", "empty"])
def test_a_db_cluster_is_the_one_described_or_none(answer):
    calls, stubber = calls_of("rds")
    params = {"DBClusterIdentifier": "app-dev"}
    if answer == "not_found":
        stubber.add_client_error("describe_db_clusters", "DBClusterNotFoundFault", expected_params=params)
    else:
        stubber.add_response("describe_db_clusters", {"DBClusters": [{"DBClusterIdentifier": "app-dev"}] if answer == "found" else []},
                             expected_params=params)
    with stubber:
        found = describes.find_db_cluster(calls, "app-dev", "read the Aurora cluster app-dev")
    assert found == ({"DBClusterIdentifier": "app-dev"} if answer == "found" else None)


def test_a_repository_is_the_one_described_or_none():
    calls, stubber = calls_of("ecr")
    stubber.add_response("describe_repositories", {"repositories": [{"repositoryName": "app"}]}, expected_params={"repositoryNames": ["app"]})
    stubber.add_client_error("describe_repositories", "RepositoryNotFoundException", expected_params={"repositoryNames": ["gone"]})
    with stubber:
        assert describes.find_repository(calls, "app", "describe app") == {"repositoryName": "app"}
        assert describes.find_repository(calls, "gone", "describe gone") is None


def test_an_ecs_cluster_is_described_in_any_status_with_what_is_included_and_a_missing_one_is_none():
    calls, stubber = calls_of("ecs")
    stubber.add_response("describe_clusters", {"clusters": [{"clusterName": "app", "status": "INACTIVE"}]},
                         expected_params={"clusters": ["app"], "include": ["SETTINGS", "TAGS"]})
    stubber.add_response("describe_clusters", {"clusters": [], "failures": [{"arn": "x", "reason": "MISSING"}]},
                         expected_params={"clusters": ["gone"]})
    with stubber:
        assert describes.find_ecs_cluster(calls, "app", "describe app", include=["SETTINGS", "TAGS"])["status"] == "INACTIVE"
        assert describes.find_ecs_cluster(calls, "gone", "read gone") is None


def test_ecs_services_are_those_described_in_any_status_and_none_without_their_cluster():
    calls, stubber = calls_of("ecs")
    services = [{"serviceName": "web", "status": "ACTIVE"}, {"serviceName": "old", "status": "INACTIVE"}]
    stubber.add_response("describe_services", {"services": services}, expected_params={"cluster": "app", "services": ["web", "old"]})
    stubber.add_client_error("describe_services", "ClusterNotFoundException",
                             expected_params={"cluster": "gone", "services": ["web"], "include": ["TAGS"]})
    with stubber:
        assert describes.find_ecs_services(calls, "app", ("web", "old"), "read web, old") == services
        assert describes.find_ecs_services(calls, "gone", ["web"], "describe web", include=["TAGS"]) == []


def test_a_secret_is_described_deleted_or_not_and_a_missing_one_is_none():
    calls, stubber = calls_of("secretsmanager")
    stubber.add_response("describe_secret", {"Name": "db"}, expected_params={"SecretId": "db"})
    stubber.add_client_error("describe_secret", "ResourceNotFoundException", expected_params={"SecretId": "gone"})
    with stubber:
        assert describes.find_secret(calls, "db", "read db") == {"Name": "db"}
        assert describes.find_secret(calls, "gone", "read gone") is None


def test_security_groups_are_those_of_the_names_found_in_the_vpc_by_name():
    calls, stubber = calls_of("ec2")
    filters = [{"Name": "vpc-id", "Values": ["vpc-1"]}, {"Name": "group-name", "Values": ["app", "db"]}]
    stubber.add_response("describe_security_groups", {"SecurityGroups": [{"GroupName": "db", "GroupId": "sg-1"}]},
                         expected_params={"Filters": filters})
    with stubber:
        assert describes.find_security_groups(calls, "vpc-1", ["app", "db"], "read") == {"db": {"GroupName": "db", "GroupId": "sg-1"}}


def test_a_log_group_is_read_page_by_page_by_prefix_until_its_own_name():
    calls, stubber = calls_of("logs")
    stubber.add_response("describe_log_groups", {"logGroups": [{"logGroupName": "/ecs/app-dev-2"}], "nextToken": "t"},
                         expected_params={"logGroupNamePrefix": "/ecs/app-dev"})
    stubber.add_response("describe_log_groups", {"logGroups": [{"logGroupName": "/ecs/app-dev"}], "nextToken": "u"},
                         expected_params={"logGroupNamePrefix": "/ecs/app-dev", "nextToken": "t"})
    stubber.add_response("describe_log_groups", {"logGroups": [{"logGroupName": "/ecs/other-x"}]},
                         expected_params={"logGroupNamePrefix": "/ecs/other"})
    with stubber:
        assert describes.find_log_group(calls, "/ecs/app-dev", "read") == {"logGroupName": "/ecs/app-dev"}   # no third page read
        assert describes.find_log_group(calls, "/ecs/other", "read") is None
    stubber.assert_no_pending_responses()


def test_a_task_definition_is_described_with_what_is_included_and_answers_give_a_missing_one_a_value():
    calls, stubber = calls_of("ecs")
    definition = {"taskDefinition": {"family": "app", "taskDefinitionArn": "arn:aws:ecs:us-east-1:1:task-definition/app:3"},
                  "tags": [{"key": "env", "value": "dev"}]}
    stubber.add_response("describe_task_definition", definition, expected_params={"taskDefinition": "app", "include": ["TAGS"]})
    stubber.add_client_error("describe_task_definition", "ClientException", expected_params={"taskDefinition": "gone:1"})
    with stubber:
        assert describes.find_task_definition(calls, "app", "describe app", include=["TAGS"]) == definition
        assert describes.find_task_definition(calls, "gone:1", "describe gone:1", answers={"ClientException": None}) is None


def test_flow_logs_are_those_of_the_resources_every_page():
    calls, stubber = calls_of("ec2")
    filters = [{"Name": "resource-id", "Values": ["vpc-1", "subnet-2"]}]
    stubber.add_response("describe_flow_logs", {"FlowLogs": [{"FlowLogId": "fl-1"}], "NextToken": "t"}, expected_params={"Filter": filters})
    stubber.add_response("describe_flow_logs", {"FlowLogs": [{"FlowLogId": "fl-2"}]}, expected_params={"Filter": filters, "NextToken": "t"})
    with stubber:
        assert describes.find_flow_logs(calls, ("vpc-1", "subnet-2"), "read") == [{"FlowLogId": "fl-1"}, {"FlowLogId": "fl-2"}]


def test_a_role_is_the_one_get_role_answers_or_none():
    calls, stubber = calls_of("iam")
    role = {"Path": "/", "RoleName": "app", "RoleId": "AROA1234567890123456", "Arn": "arn:aws:iam::123456789012:role/app",
            "CreateDate": "2026-12-04T00:00:00Z"}
    stubber.add_response("get_role", {"Role": role}, expected_params={"RoleName": "app"})
    stubber.add_client_error("get_role", "NoSuchEntity", expected_params={"RoleName": "gone"})
    with stubber:
        assert describes.find_role(calls, "app", "read app")["RoleName"] == "app"
        assert describes.find_role(calls, "gone", "read gone") is None
