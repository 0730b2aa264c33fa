"""A live CDK environment (issue 21): the CDK app's five stacks, deployed with CloudFormation on the local endpoint.

The stacks come from the templates of tests/integration/cdk/ (tests/integration/cdk_app.py), trimmed to what moto's
CloudFormation creates (docs/emulator-gaps.md, "CDK takeover"). The tests prove what the fixture is (the spec's stack
names, the CDK app's output ids and export names, a cluster identifier the app never chose), and that site.yml refuses
such an environment before any change, naming every stack and resource.
"""

import json

import pytest

from cdk_app import STACK_TYPES
from cdk_app import deploy_cdk_app
from conftest import landing_zone

pytestmark = pytest.mark.integration

APP = "nestjs-playground-dev"
# The collection's export names (playbooks/templates/outputs.json.j2, without the {app}-{env}- prefix) and the
# network stack's certificate-arn, which the collection's flat file lacked (issue 21).
EXPORTS = ("vpc-id", "hosted-zone-id", "domain-name", "certificate-arn", "db-endpoint", "db-port", "db-name", "db-secret-arn",
           "ecr-uri", "ecr-name", "ecr-arn", "alb-dns", "app-url", "ecs-cluster", "ecs-service", "scheduler-service")


@pytest.fixture(scope="module")
def cdk(ansible, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    return {"lz": lz, "app": deploy_cdk_app(ansible, lz)}


# The fixture: the CDK app as CloudFormation deployed it ------------------------------------------------------

def test_the_cdk_app_has_its_five_stacks_named_as_the_spec_names_them(cdk, ansible):
    stacks = {s["StackName"]: s["StackStatus"] for s in ansible.client("cloudformation").describe_stacks()["Stacks"]}
    assert stacks == {f"{APP}-{kind}": "CREATE_COMPLETE" for kind in STACK_TYPES}


def test_the_stacks_export_every_name_the_collection_writes_and_the_certificate(cdk, ansible):
    exports = {e["Name"] for e in ansible.client("cloudformation").list_exports()["Exports"]}
    assert {f"{APP}-{name}" for name in EXPORTS} <= exports


def test_the_outputs_carry_the_cdk_app_output_ids(cdk, ansible):
    cfn = ansible.client("cloudformation")
    ids = {s["StackName"]: sorted(o["OutputKey"] for o in s.get("Outputs", [])) for s in cfn.describe_stacks()["Stacks"]}
    assert ids[f"{APP}-network"] == ["CertificateArn", "DomainName", "HostedZoneId", "VpcId"]
    assert {"DatabaseClusterEndpoint", "DatabaseSecretArn"} <= set(ids[f"{APP}-database"])
    assert "ECRRepositoryURI" in ids[f"{APP}-ecr"]
    assert ids[f"{APP}-compute"] == ["ApplicationURL", "ECSClusterName", "ECSServiceName", "LoadBalancerDNS"]
    assert ids[f"{APP}-scheduled-task"] == ["ScheduledTaskServiceName"]


def test_the_cluster_identifier_is_generated_not_the_collections(cdk, ansible):
    clusters = [c["DBClusterIdentifier"] for c in ansible.client("rds").describe_db_clusters()["DBClusters"]]
    assert clusters == [cdk["app"].ids["cluster"]]
    assert clusters[0].startswith(f"{APP}-database-") and clusters[0] != APP


def test_the_compute_stack_owns_the_resources_named_as_the_collection_names_them(cdk):
    ids = cdk["app"].ids
    assert ids["compute/Cluster"] == APP
    assert ids["compute/Service"].endswith(f"/{APP}/{APP}")
    assert ids["compute/LogGroup"] == f"/ecs/{APP}"
    assert ids["ecr/ECRRepository"] == "nestjs-playground"
    assert ids["scheduled-task/Service"].endswith(f"/{APP}/nestjs-playground-scheduler-dev")
    assert ":loadbalancer/app/" in ids["compute/LoadBalancer"] and f"{APP}-alb" not in ids["compute/LoadBalancer"]


def test_the_scheduler_stack_imports_the_compute_stacks_cluster_export(cdk, ansible):
    """ListImports, which the tests' server answers (moto does not implement it)."""
    cfn = ansible.client("cloudformation")
    assert cfn.list_imports(ExportName=f"{APP}-ecs-cluster")["Imports"] == [f"{APP}-scheduled-task"]
    with pytest.raises(cfn.exceptions.ClientError, match="is not imported by any stack"):
        cfn.list_imports(ExportName=f"{APP}-vpc-id")


def test_the_credentials_secret_is_the_document_cdk_generates(cdk, ansible):
    document = json.loads(ansible.client("secretsmanager").get_secret_value(SecretId=cdk["app"].ids["secret_arn"])["SecretString"])
    assert sorted(document) == ["dbClusterIdentifier", "dbname", "engine", "host", "password", "port", "username"]
    assert document["dbClusterIdentifier"] == cdk["app"].ids["cluster"]
