"""Which ECS services run images of one ECR repository (destroy.yml's shared-repository refusal, issue 22)."""

import pytest

from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_service_images_info import Services
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_service_images_info import of_repository
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_service_images_info import services_running
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_service_images_info import task_definitions_of
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule

URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground"
TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/"
CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/"


@pytest.mark.parametrize("image, ours", [
    (URI + ":1.4.2", True),
    (URI + "@sha256:" + "0" * 64, True),
    (URI, True),                                   # no tag: latest
    (URI + "-worker:1.4.2", False),                # another repository whose name starts with ours
    ("public.ecr.aws/xray/aws-xray-daemon:3.x", False),
    ("123456789012.dkr.ecr.us-west-2.amazonaws.com/nestjs-playground:1.4.2", False),   # another region's
])
def test_an_image_of_the_repository_is_its_uri_with_a_tag_a_digest_or_nothing(image, ours):
    assert of_repository(image, URI) is ours


def test_a_service_in_the_middle_of_a_deployment_runs_both_task_definitions():
    service = {"taskDefinition": TD + "api:2", "deployments": [{"taskDefinition": TD + "api:2"}, {"taskDefinition": TD + "api:1"},
                                                                {"taskDefinition": TD + "api:2"}]}
    assert task_definitions_of(service) == [TD + "api:2", TD + "api:1"]
    assert task_definitions_of({"taskDefinition": TD + "api:1"}) == [TD + "api:1"]


def service(name, revision, status="ACTIVE", desired=1):
    return {"serviceName": name, "serviceArn": f"arn:aws:ecs:us-east-1:123456789012:service/{name}", "status": status,
            "desiredCount": desired, "runningCount": desired, "taskDefinition": f"{TD}{revision}",
            "deployments": [{"taskDefinition": f"{TD}{revision}", "status": "PRIMARY"}]}


def test_only_active_services_running_an_image_of_the_repository_are_kept_with_those_images():
    described = [
        ("nestjs-playground-qa", service("nestjs-playground-qa", "qa:3", desired=2)),
        ("nestjs-playground-dev", service("nestjs-playground-dev", "dev:1", status="INACTIVE")),
        ("billing-api-dev", service("billing-api-dev", "billing:1")),
    ]
    images = {TD + "qa:3": [URI + ":1.4.2", "public.ecr.aws/xray/aws-xray-daemon:3.x"], TD + "dev:1": [URI + ":latest"],
              TD + "billing:1": ["123456789012.dkr.ecr.us-east-1.amazonaws.com/billing-api:2.0.0"]}
    assert services_running(URI, described, images) == [{
        "cluster": "nestjs-playground-qa", "service": "nestjs-playground-qa",
        "service_arn": "arn:aws:ecs:us-east-1:123456789012:service/nestjs-playground-qa", "desired_count": 2,
        "running_count": 2, "task_definitions": [TD + "qa:3"], "images": [URI + ":1.4.2"]}]


def test_the_reads_page_through_clusters_and_describe_services_ten_at_a_time():
    module = FakeModule({})
    reads = Services(module)
    ecs = module.stubber("ecs")
    ecs.add_response("list_clusters", {"clusterArns": [CLUSTER + "qa", CLUSTER + "gone"]})
    arns = [f"arn:aws:ecs:us-east-1:123456789012:service/qa/s{i}" for i in range(12)]
    ecs.add_response("list_services", {"serviceArns": arns}, expected_params={"cluster": CLUSTER + "qa"})
    ecs.add_response("describe_services", {"services": [service(f"s{i}", "s:1") for i in range(10)]},
                     expected_params={"cluster": CLUSTER + "qa", "services": arns[:10]})
    ecs.add_response("describe_services", {"services": [service(f"s{i}", "s:1") for i in range(10, 12)]},
                     expected_params={"cluster": CLUSTER + "qa", "services": arns[10:]})
    ecs.add_client_error("list_services", "ClusterNotFoundException")   # deleted meanwhile: no service
    with ecs:
        pairs = reads.described()
    ecs.assert_no_pending_responses()
    assert [(cluster, s["serviceName"]) for cluster, s in pairs] == [("qa", f"s{i}") for i in range(12)]


def test_a_task_definition_that_cannot_be_read_runs_no_image_of_the_repository():
    module = FakeModule({})
    reads = Services(module)
    ecs = module.stubber("ecs")
    ecs.add_response("describe_task_definition", {"taskDefinition": {"containerDefinitions": [{"name": "api", "image": URI + ":1"}]}},
                     expected_params={"taskDefinition": TD + "api:1"})
    ecs.add_client_error("describe_task_definition", "ClientException", "Unable to describe task definition.")
    with ecs:
        assert reads.container_images([TD + "api:1", TD + "api:0"]) == {TD + "api:1": [URI + ":1"], TD + "api:0": []}


def test_a_missing_repository_has_no_uri():
    module = FakeModule({})
    reads = Services(module)
    ecr = module.stubber("ecr")
    ecr.add_client_error("describe_repositories", "RepositoryNotFoundException")
    ecr.add_response("describe_repositories", {"repositories": [{"repositoryName": "nestjs-playground", "repositoryUri": URI}]},
                     expected_params={"repositoryNames": ["nestjs-playground"]})
    with ecr:
        assert reads.repository_uri("nestjs-playground") is None
        assert reads.repository_uri("nestjs-playground") == URI
