"""A live CDK environment (issue 21): the CDK app's five stacks, deployed with CloudFormation on the local endpoint.

Then the takeover (playbooks/adopt_cdk.yml): --check and the unconfirmed run write nothing in AWS, the confirmed run
keeps every resource id (the cluster, the secret's password by digest, the load balancer and the DNS record's target),
leaves no stack, and the next site.yml changes nothing. test_cdk_takeover_resume.py resumes interrupted takeovers.

The stacks come from the templates of tests/integration/cdk/ (tests/integration/cdk_app.py), trimmed to what moto's
CloudFormation creates (docs/emulator-gaps.md, "CDK takeover"). The tests prove what the fixture is (the spec's stack
names, the CDK app's output ids and export names, a cluster identifier the app never chose), and that site.yml refuses
such an environment before any change, naming every stack and resource.
"""

import hashlib
import json
import os

import pytest
import yaml

from cdk_app import STACK_TYPES
from cdk_app import deploy_cdk_app
from cdk_app import password_digest
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


# The takeover: playbooks/adopt_cdk.yml -----------------------------------------------------------------------------

ADOPT = "playbooks/adopt_cdk.yml"


def identities(ansible, app):
    """What must not change in a takeover: the cluster, the secret's password (by digest), the load balancer and the
    DNS record's target, the services, the repository."""
    secret = ansible.client("secretsmanager").get_secret_value(SecretId=app.ids["secret_arn"])["SecretString"]
    balancer = ansible.client("elbv2").describe_load_balancers(LoadBalancerArns=[app.ids["compute/LoadBalancer"]])["LoadBalancers"][0]
    zone = [z["Id"] for z in ansible.client("route53").list_hosted_zones()["HostedZones"]][0]
    records = [r for r in ansible.client("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"] if r["Type"] == "A"]
    services = ansible.client("ecs").describe_services(cluster=APP, services=[APP, "nestjs-playground-scheduler-dev"])["services"]
    return {
        "clusters": sorted(c["DBClusterIdentifier"] for c in ansible.client("rds").describe_db_clusters()["DBClusters"]),
        "writer": sorted(i["DBInstanceIdentifier"] for i in ansible.client("rds").describe_db_instances()["DBInstances"]),
        "password digest": password_digest(secret),
        "load balancer": (balancer["LoadBalancerArn"], balancer["DNSName"]),
        "dns records": [(r["Name"], r["AliasTarget"]["DNSName"].rstrip(".").lower()) for r in records],
        "services": sorted((s["serviceArn"], s["status"]) for s in services),
        "target groups": sorted(g["TargetGroupArn"] for g in ansible.client("elbv2").describe_target_groups()["TargetGroups"]),
        "repositories": sorted(r["repositoryArn"] for r in ansible.client("ecr").describe_repositories()["repositories"]),
    }


def groups(ansible, app):
    """The security groups (names) of the cluster and of the load balancer."""
    ec2, rds, elbv2 = ansible.client("ec2"), ansible.client("rds"), ansible.client("elbv2")
    cluster = rds.describe_db_clusters(DBClusterIdentifier=app.ids["cluster"])["DBClusters"][0]
    balancer = elbv2.describe_load_balancers(LoadBalancerArns=[app.ids["compute/LoadBalancer"]])["LoadBalancers"][0]

    def names(ids):
        return sorted(g["GroupName"] for g in ec2.describe_security_groups(GroupIds=list(ids))["SecurityGroups"]) if ids else []
    return {"cluster": names(g["VpcSecurityGroupId"] for g in cluster["VpcSecurityGroups"]),
            "load balancer": names(balancer["SecurityGroups"]), "cluster ids": sorted(g["VpcSecurityGroupId"] for g in cluster["VpcSecurityGroups"]),
            "load balancer ids": sorted(balancer["SecurityGroups"])}


@pytest.fixture(scope="module")
def takeover(refused, cdk, ansible, ansible_recorded, recorded, tmp_path_factory):
    """After the refusals: adopt --check, adopt without confirmation, adopt confirmed, then site.yml with the identity."""
    files = tmp_path_factory.mktemp("adopt")
    identity_file = str(files / "adopted.yml")
    extra = [cdk["lz"], WITH_SCHEDULER, {"cdk_adopt_vars_file": identity_file, "plan_file": str(files / "plan.json")}]
    out = {"before": identities(ansible, cdk["app"]), "identity_file": identity_file, "runs": {}, "writes": {}}
    out["groups before"] = groups(ansible, cdk["app"])
    out["cdk outputs"] = {s["StackName"]: {o["OutputKey"]: o["OutputValue"] for o in s.get("Outputs", [])}
                          for s in ansible.client("cloudformation").describe_stacks()["Stacks"]}
    # Another application's stack imports the VPC export: refused, naming both, until it no longer does.
    cfn = ansible.client("cloudformation")
    cfn.create_stack(StackName="billing-dev", TemplateBody=json.dumps({"Resources": {"Topic": {
        "Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Fn::ImportValue": f"{APP}-vpc-id"}}}}}))
    mark = recorded.mark()
    out["runs"]["imported"] = ansible_recorded.playbook(ADOPT, extra_vars=extra + [{"confirm_adopt": "dev"}])
    out["writes"]["imported"] = [c.action for c in recorded.mutating_calls(mark)]
    out["stacks when imported"] = sorted(s["StackName"] for s in cfn.describe_stacks()["Stacks"])
    cfn.delete_stack(StackName="billing-dev")
    for step, check, confirm in (("check", True, False), ("unconfirmed", False, False), ("confirmed", False, True)):
        mark = recorded.mark()
        run = ansible_recorded.playbook(ADOPT, extra_vars=extra + ([{"confirm_adopt": "dev"}] if confirm else []), check=check)
        out["runs"][step], out["writes"][step] = run, [c.action for c in recorded.mutating_calls(mark)]
        out[f"identity file after {step}"] = os.path.exists(identity_file)
        assert run.rc == 0, f"{step}: {run!r}"
    out["after"] = identities(ansible, cdk["app"])
    with open(identity_file, encoding="utf-8") as handle:
        out["identity"] = yaml.safe_load(handle)
    out["stacks after"] = [s["StackName"] for s in ansible.client("cloudformation").describe_stacks()["Stacks"]]
    out["site"] = ansible.playbook("site.yml", extra_vars=[cdk["lz"], WITH_SCHEDULER, "@" + identity_file])
    out["final"] = identities(ansible, cdk["app"])
    out["groups after"] = groups(ansible, cdk["app"])
    cdk_file = str(files / "cdk-outputs.json")
    out["site cdk outputs"] = ansible.playbook("site.yml", extra_vars=[cdk["lz"], WITH_SCHEDULER, "@" + identity_file,
                                                                     {"outputs_format": "cdk", "outputs_file": cdk_file}])
    with open(cdk_file, encoding="utf-8") as handle:
        out["cdk outputs file"] = json.load(handle)
    return out


def test_an_export_another_stack_imports_is_refused_naming_both_and_nothing_is_written(takeover, cdk):
    run = takeover["runs"]["imported"]
    assert run.rc != 0
    assert f"{APP}-vpc-id is imported by billing-dev" in run.failure()
    assert takeover["writes"]["imported"] == []
    assert takeover["stacks when imported"] == sorted(list(cdk["app"].stacks.values()) + ["billing-dev"])


def test_adopt_in_check_mode_writes_nothing(takeover):
    assert takeover["writes"]["check"] == []
    assert takeover["identity file after check"] is False


def test_adopt_without_confirmation_writes_nothing_in_aws_but_the_identity_file(takeover):
    assert takeover["writes"]["unconfirmed"] == []
    assert takeover["identity file after unconfirmed"] is True
    assert "-e confirm_adopt=dev" in takeover["runs"]["unconfirmed"].result("Stop here unless the takeover is confirmed")["msg"]


def test_the_identity_names_the_cluster_cloudformation_generated_and_the_other_names_that_differ(takeover, cdk):
    identity, ids = takeover["identity"], cdk["app"].ids
    assert identity["database_cluster_identifier"] == ids["cluster"]
    assert identity["database_writer_instance_identifier"] == ids["writer"]
    assert identity["database_subnet_group_name"] == ids["subnet_group"]
    assert identity["database_credentials_secret_name"] == ids["secret_name"]
    assert identity["alb_name"] == ids["compute/LoadBalancer"].split("/")[2]
    assert identity["alb_target_group_name"] == ids["compute/TargetGroup"].split("/")[1]
    assert "ecs_cluster_name" not in identity and "ecs_service_name" not in identity   # the same names as the collection's
    assert identity["cdk_adopted_stacks"] == list(cdk["app"].stacks.values())


@pytest.mark.parametrize("step", ["check", "unconfirmed", "confirmed"])
def test_the_plan_changes_the_adopted_cluster_and_creates_no_second_one(takeover, cdk, step):
    lines = "\n".join(takeover["runs"][step].result("Show the plan")["msg"])
    assert f"~ change aurora_cluster {cdk['app'].ids['cluster']}" in lines
    assert "+ create aurora_cluster " not in lines and "+ create application_load_balancer" not in lines
    assert "+ create ecs_service " not in lines and "+ create route53_alias_record" not in lines


def test_the_takeover_leaves_no_stack(takeover):
    assert takeover["stacks after"] == []


@pytest.mark.parametrize("what", ["clusters", "writer", "password digest", "load balancer", "dns records", "services",
                                  "target groups", "repositories"])
def test_the_takeover_keeps_every_resource(takeover, what):
    assert takeover["after"][what] == takeover["before"][what]
    assert takeover["final"][what] == takeover["before"][what]


def test_the_dns_record_still_points_at_the_same_load_balancer(takeover):
    balancer_dns = takeover["before"]["load balancer"][1].lower()
    assert takeover["final"]["dns records"] == [("nestjs-playground-api.example.com.", balancer_dns)]


def test_the_takeover_checked_that_each_resource_still_exists(takeover):
    verified = takeover["runs"]["confirmed"].result("Check that every resource of the stacks still exists")
    assert verified["missing"] == []


def test_the_next_site_yml_changes_nothing(takeover):
    site = takeover["site"]
    assert site.rc == 0, site
    assert site.changed_tasks() == []


def test_the_outputs_file_has_the_adopted_endpoints(takeover, cdk, ansible):
    outputs = ansible.outputs()
    assert outputs[f"{APP}-alb-dns"] == takeover["before"]["load balancer"][1]
    assert outputs[f"{APP}-db-secret-arn"] == cdk["app"].ids["secret_arn"]


def test_the_password_digest_is_a_digest(takeover):
    assert len(takeover["before"]["password digest"]) == len(hashlib.sha256().hexdigest())


# Outputs a CDK user's scripts read unchanged ---------------------------------------------------------------------

# The output ids of `cdk deploy --outputs-file` that the collection writes with outputs_format cdk (issue 21).
CDK_OUTPUT_IDS = {
    "network": ["CertificateArn", "DomainName", "HostedZoneId", "VpcId"],
    "database": ["DatabaseClusterEndpoint", "DatabaseSecretArn"],
    "ecr": ["ECRRepositoryURI"],
    "compute": ["ApplicationURL", "ECSClusterName", "ECSServiceName", "LoadBalancerDNS"],
    "scheduled-task": ["ScheduledTaskServiceName"],
}


def test_the_cdk_outputs_file_holds_what_the_cdk_stacks_output_under_their_names_and_ids(takeover):
    assert takeover["site cdk outputs"].rc == 0, takeover["site cdk outputs"]
    cdk_outputs = takeover["cdk outputs"]
    assert takeover["cdk outputs file"] == {
        f"{APP}-{kind}": {output_id: cdk_outputs[f"{APP}-{kind}"][output_id] for output_id in ids}
        for kind, ids in CDK_OUTPUT_IDS.items()
    }


def test_the_flat_outputs_file_gains_the_certificate_arn(takeover, cdk, ansible):
    assert ansible.outputs()[f"{APP}-certificate-arn"] == cdk["lz"]["certificate_arn"]


# The CDK app's tasks keep their database and their load balancer until the services have rolled ------------------

def test_the_cluster_and_the_load_balancer_keep_the_cdk_apps_groups_beside_the_collections(takeover):
    before, after = takeover["groups before"], takeover["groups after"]
    assert sorted(after["cluster"]) == sorted(before["cluster"] + [f"{APP}-db"])
    assert sorted(after["load balancer"]) == sorted(before["load balancer"] + [f"{APP}-alb"])


def test_the_identity_keeps_the_cdk_apps_groups_until_they_are_removed_from_it(takeover):
    before = takeover["groups before"]
    assert takeover["identity"]["database_extra_security_group_ids"] == before["cluster ids"]
    assert takeover["identity"]["alb_extra_security_group_ids"] == before["load balancer ids"]


def test_the_takeover_names_what_the_cdk_app_left_that_the_collection_does_not_use(takeover, cdk):
    message = "\n".join(takeover["runs"]["confirmed"].result("Name what the CDK app left that the collection does not use")["msg"])
    ids = cdk["app"].ids
    for key in ("compute/ExecutionRole", "compute/TaskRole", "compute/LoadBalancerSecurityGroup", "database/DatabaseSecurityGroup",
                "scheduled-task/ExecutionRole"):
        assert ids[key] in message, key
    assert "AWS::ECS::" not in message and "AWS::ElasticLoadBalancingV2::" not in message and "AWS::RDS::" not in message
