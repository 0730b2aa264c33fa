"""site.yml with the shipped dev inventory, against a fresh local AWS endpoint.

One scenario, run once: landing zone; ``--check`` on the fresh account; converge; converge again;
``--check`` on the converged account. site.yml talks to AWS through the recording proxy (the landing
zone does not), so the tests read what each run reported, every AWS call it made, and what the
emulator held after it.
"""

import json

import pytest

from conftest import landing_zone

pytestmark = pytest.mark.integration

ECR_TASK = "Ensure the ECR repository scans on push, keeps its tags mutable and expires untagged images"
TAGS = {"App": "nestjs-playground", "Env": "dev", "OU": "engineering", "Owner": "team@example.com"}
# The repository is shared by the environments of one account: the common tags without Env (docs/safety.md).
REPOSITORY_TAGS = {key: value for key, value in TAGS.items() if key != "Env"}


def repositories(ansible):
    return ansible.client("ecr").describe_repositories()["repositories"]


@pytest.fixture(scope="module")
def scenario(ansible, ansible_recorded, recorded, tmp_path_factory):
    lz_dir = tmp_path_factory.mktemp("landing-zone")
    lz = landing_zone(ansible, lz_dir)
    runs, seen, calls = {"landing_zone_again": ansible.playbook("playbooks/landing_zone.yml", extra_vars=[{"landing_zone_dir": str(lz_dir)}])}, {}, {}
    for step, check in (("check_fresh", True), ("converge", False), ("rerun", False), ("check_converged", True)):
        mark = recorded.mark()
        runs[step] = ansible_recorded.playbook("site.yml", extra_vars=[lz], check=check, diff=check)
        calls[step] = recorded.calls(mark)
        seen[step] = repositories(ansible)
    return {"lz": lz, "runs": runs, "repositories": seen, "calls": calls}


def test_the_landing_zone_converges_again_without_change(scenario):
    run = scenario["runs"]["landing_zone_again"]
    assert run.host_stats()["changed"] == 0, [(name, result.get("diff")) for name, result in run.results() if result.get("changed")]


@pytest.mark.parametrize("endpoint", ["https://ec2.us-east-1.amazonaws.com", "http://10.1.2.3:5000", None])
def test_the_landing_zone_refuses_anything_but_the_local_endpoint(endpoint, ansible):
    run = ansible.playbook("playbooks/landing_zone.yml", env={"AWS_ENDPOINT_URL": endpoint})
    assert run.rc != 0
    assert "This playbook is for the local AWS endpoint only" in run.failure()
    assert [name for name, _ in run.results()][-1] == "Refuse to run against anything but the local AWS endpoint"


def test_every_run_succeeds(scenario):
    for step, run in scenario["runs"].items():
        assert run.rc == 0, f"{step}: {run!r}"


def test_check_on_a_fresh_account_reports_changes_and_creates_nothing(scenario):
    run = scenario["runs"]["check_fresh"]
    assert ECR_TASK in run.changed_tasks()
    assert scenario["repositories"]["check_fresh"] == []


@pytest.mark.parametrize("step", ["check_fresh", "check_converged"])
def test_check_mode_makes_no_mutating_aws_call(scenario, step):
    calls = scenario["calls"][step]
    services = {call.service for call in calls}
    assert {"ec2", "rds", "secretsmanager", "ecr", "ecs", "iam", "elasticloadbalancing", "route53"} <= services  # every tier looked
    assert [(call.service, call.action) for call in calls if call.mutating] == []


def test_the_converge_writes_through_the_same_recording(scenario):
    writes = {(call.service, call.action) for call in scenario["calls"]["converge"] if call.mutating}
    assert {("rds", "CreateDBCluster"), ("secretsmanager", "CreateSecret"), ("ecs", "CreateService"),
            ("elasticloadbalancing", "CreateListener"), ("route53", "ChangeResourceRecordSets")} <= writes


def test_check_on_a_fresh_account_shows_the_repository_it_would_create(scenario):
    diff = scenario["runs"]["check_fresh"].result(ECR_TASK)["diff"]
    assert diff["before"] == {}
    assert diff["after"]["scan_on_push"] is True
    assert diff["after"]["tags"] == REPOSITORY_TAGS


def test_check_predicts_exactly_the_tasks_the_converge_changes(scenario):
    assert scenario["runs"]["check_fresh"].changed_tasks() == scenario["runs"]["converge"].changed_tasks()


def test_converge_creates_the_repository_as_the_spec_describes(scenario, ansible):
    (repo,) = scenario["repositories"]["converge"]
    assert repo["repositoryName"] == "nestjs-playground"
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repo["imageTagMutability"] == "MUTABLE"
    ecr = ansible.client("ecr")
    tags = ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
    assert {t["Key"]: t["Value"] for t in tags} == REPOSITORY_TAGS
    (rule,) = json.loads(ecr.get_lifecycle_policy(repositoryName="nestjs-playground")["lifecyclePolicyText"])["rules"]
    assert rule["selection"] == {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14}
    assert rule["action"] == {"type": "expire"}


def test_converge_publishes_the_repository_and_the_imported_network(scenario, ansible):
    run = scenario["runs"]["converge"]
    facts = run.result("Publish the repository's name, URI and ARN")["ansible_facts"]["ecr"]
    (repo,) = scenario["repositories"]["converge"]
    assert facts == {"name": repo["repositoryName"], "uri": repo["repositoryUri"], "arn": repo["repositoryArn"]}

    network = run.result("Import the existing VPC, hosted zone, certificate and JWT parameter")
    ec2 = ansible.client("ec2")
    cidrs = {s["SubnetId"]: s["CidrBlock"] for s in ec2.describe_subnets()["Subnets"]}
    assert network["vpc_id"] == scenario["lz"]["vpc_id"]
    assert sorted(cidrs[s] for s in network["private_subnet_ids"]) == ["10.42.10.0/24", "10.42.11.0/24"]
    assert sorted(cidrs[s] for s in network["public_subnet_ids"]) == ["10.42.0.0/24", "10.42.1.0/24"]
    assert network["fqdn"] == "nestjs-playground-api.example.com"
    assert network["hosted_zone_id"] == scenario["lz"]["hosted_zone_id"]


def test_the_summary_names_what_was_created(scenario):
    lines = scenario["runs"]["converge"].result("Show what the environment is made of")["msg"]
    text = "\n".join(lines)
    (repo,) = scenario["repositories"]["converge"]
    assert repo["repositoryUri"] in text
    assert scenario["lz"]["vpc_id"] in text
    assert "nestjs-playground-api.example.com" in text


def test_rerun_changes_nothing(scenario):
    run = scenario["runs"]["rerun"]
    assert run.host_stats()["changed"] == 0, run.changed_tasks()
    assert [call.action for call in scenario["calls"]["rerun"] if call.mutating] == []
    assert scenario["repositories"]["rerun"] == scenario["repositories"]["converge"]


def test_check_on_the_converged_account_reports_no_change(scenario):
    run = scenario["runs"]["check_converged"]
    assert run.host_stats()["changed"] == 0, run.changed_tasks()
