"""A live CDK environment (issue 21): the CDK app's five stacks, deployed with CloudFormation on the local endpoint.

The stacks come from the templates of tests/integration/cdk/ (tests/integration/cdk_app.py), trimmed to what moto's
CloudFormation creates (docs/emulator-gaps.md, "CDK takeover"). The tests prove what the fixture is (the spec's stack
names, the CDK app's output ids and export names, a cluster identifier the app never chose), and that site.yml refuses
such an environment before any change, naming every stack and resource.
"""

import json
import os

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


WITH_SCHEDULER = {"schedule_task_cleanup_cron": "0 2 * * *"}


@pytest.fixture(scope="module")
def cdk(ansible, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    return {"lz": lz, "app": deploy_cdk_app(ansible, lz)}


@pytest.fixture(scope="module")
def refused(cdk, ansible_recorded, recorded):
    """site.yml and plan.yml against the live CDK environment, through the recording proxy."""
    runs = {}
    for name, playbook in (("site", "site.yml"), ("plan", "playbooks/plan.yml")):
        mark = recorded.mark()
        run = ansible_recorded.playbook(playbook, extra_vars=[cdk["lz"], WITH_SCHEDULER])
        runs[name] = {"run": run, "calls": recorded.calls(mark), "writes": recorded.mutating_calls(mark)}
    return runs


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


# Detection: site.yml refuses before any change -----------------------------------------------------------------

@pytest.mark.parametrize("playbook", ["site", "plan"])
def test_a_run_against_the_cdk_environment_is_refused_naming_every_stack(refused, cdk, playbook):
    run = refused[playbook]["run"]
    assert run.rc != 0, run
    message = run.failure()
    for name in cdk["app"].stacks.values():
        assert f"CloudFormation stack {name} (CREATE_COMPLETE) owns: " in message
    assert "playbooks/adopt_cdk.yml" in message and "Nothing was changed." in message


def test_the_refusal_names_each_resource_with_its_physical_id(refused, cdk):
    message = refused["site"]["run"].failure()
    ids = cdk["app"].ids
    for key in ("compute/Cluster", "compute/Service", "compute/LoadBalancer", "compute/TargetGroup", "compute/HttpsListener",
                "compute/LogGroup", "compute/TaskDefinition", "compute/DnsRecord", "ecr/ECRRepository",
                "database/DatabaseSecurityGroup", "scheduled-task/Service", "scheduled-task/LogGroup"):
        kind, _, logical = key.partition("/")
        assert f"{logical} = {ids[key]}" in message, key


@pytest.mark.parametrize("playbook", ["site", "plan"])
def test_a_refused_run_writes_nothing(refused, playbook):
    assert refused[playbook]["writes"] == []


def test_a_refused_run_stops_at_the_network_lookup(refused):
    """Its last AWS calls are the stacks' reads: no tier was read or converged."""
    calls = [(c.service, c.action) for c in refused["site"]["calls"]]
    assert ("cloudformation", "ListStacks") in calls
    assert calls[calls.index(("cloudformation", "ListStacks")) + 1:] == [("cloudformation", "ListStackResources")] * 5
    assert not {"rds", "ecs", "ecr", "elasticloadbalancing", "secretsmanager"} & {service for service, _ in calls}


def test_a_refused_run_writes_no_outputs_file(refused, ansible):
    assert not os.path.exists(os.path.join(ansible.outputs_dir, f"{APP}.json"))
