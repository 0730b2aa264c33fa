"""playbooks/destroy.yml on a production environment (an inventory with environment_name prd, the reader,
the scheduler and the VPC flow logs on), against one local AWS endpoint.

One scenario, run once: the landing zone; site.yml; an image pushed; destroy refused three ways (no
confirmation, a confirmation naming another environment, a destroy_database naming another cluster), each
before any AWS call; destroy confirmed (the database tier, the repository, the log groups and the
credentials secret are kept); destroy again; destroy with destroy_database (a final snapshot, then the
database goes; the credentials secret stays). After each run the tests compare what the endpoint holds,
kind by kind (tests/integration/resources.py), and count the requests it served.
"""

import pytest

from conftest import landing_zone
from conftest import write_inventory
from resources import CREATED
from resources import IMPORTED
from resources import push_image
from resources import requests_served
from resources import what_exists

pytestmark = pytest.mark.integration

DESTROY = "playbooks/destroy.yml"
HOST = "nestjs-playground-prd"
APP = "nestjs-playground-prd"
CONFIRMED = {"confirm_destroy": "prd"}
REFUSAL_TASK = "Refuse a teardown the environment does not allow, before any AWS call"
SUMMARY_TASK = "Show what was removed and what the environment keeps"
REFUSALS = {
    "unconfirmed": ({}, "pass -e confirm_destroy=prd to destroy it (confirm_destroy is not set)"),
    "confirmed_as_dev": ({"confirm_destroy": "dev"}, "pass -e confirm_destroy=prd to destroy it (confirm_destroy is 'dev')"),
    "other_database": (dict(CONFIRMED, destroy_database="nestjs-playground-dev"),
                       "destroy_database 'nestjs-playground-dev' does not name this environment's Aurora cluster: "
                       "pass -e destroy_database=nestjs-playground-prd"),
}
# What a confirmed prd teardown keeps: the database tier, the repository and its images, the log groups
# (the flow logs' too: the scenario switches them on).
KEPT = {
    "db clusters": [APP],
    "db instances": [f"{APP}-reader", f"{APP}-writer"],
    "db subnet groups": [f"{APP}-db"],
    "db cluster parameter groups": [APP],
    "security groups": [f"{APP}-db"],
    "secrets": [f"{APP}-db-credentials", f"{APP}-db-read-replica"],
    "ecr repositories": ["nestjs-playground"],
    "ecr images": ["nestjs-playground:latest"],
    "log groups": [f"/ecs/{APP}", "/ecs/nestjs-playground-scheduler-prd", f"/vpc/{APP}/flow-logs"],
}


def database(ansible):
    rds, ec2 = ansible.client("rds"), ansible.client("ec2")
    clusters = rds.describe_db_clusters()["DBClusters"]
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{APP}-db"]}])["SecurityGroups"]
    return {
        "deletion_protection": [c["DeletionProtection"] for c in clusters],
        "ingress": [g["IpPermissions"] for g in groups],
    }


@pytest.fixture(scope="module")
def scenario(ansible, emulator, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    inventory = write_inventory(tmp_path_factory.mktemp("prd"), dict(
        lz, environment_name="prd", database_read_replica=True, schedule_task_cleanup_cron="0 2 * * *",
        vpc_flow_logs_enabled=True,
        # Production waits for its services by default; the emulator starts no task of a created service, so it
        # would never see them stable (docs/emulator-gaps.md). The image is pushed once the repository exists.
        service_wait=False, scheduler_wait=False), host=HOST)
    runs = {"converge": ansible.playbook("site.yml", inventory)}
    assert runs["converge"].rc == 0, runs["converge"]
    push_image(ansible, "nestjs-playground")
    states, databases, served = {"converge": what_exists(ansible)}, {"converge": database(ansible)}, {}
    for name, (extra, _) in REFUSALS.items():
        before = requests_served(emulator)
        runs[name] = ansible.playbook(DESTROY, inventory, extra_vars=[extra])
        served[name] = requests_served(emulator) - before
        states[name] = what_exists(ansible)
    for name, extra in (("destroy", CONFIRMED), ("destroy_again", CONFIRMED),
                        ("destroy_database", dict(CONFIRMED, destroy_database=APP))):
        runs[name] = ansible.playbook(DESTROY, inventory, extra_vars=[extra])
        assert runs[name].rc == 0, f"{name}: {runs[name]!r}"
        states[name], databases[name] = what_exists(ansible), database(ansible)
    before = requests_served(emulator)
    ansible.client("sts").get_caller_identity()
    served["one boto3 call"] = requests_served(emulator) - before
    return {"runs": runs, "states": states, "databases": databases, "served": served}


def test_the_converge_made_every_kind_of_resource_and_protects_the_cluster(scenario):
    converged = scenario["states"]["converge"]
    assert [kind for kind in CREATED if kind != "db cluster snapshots" and not converged[kind]] == []
    assert scenario["databases"]["converge"]["deletion_protection"] == [True]
    assert scenario["databases"]["converge"]["ingress"][0] != []


# Refusals --------------------------------------------------------------------------------------------

def test_counting_the_requests_the_endpoint_served_sees_a_single_call(scenario):
    assert scenario["served"]["one boto3 call"] == 1


@pytest.mark.parametrize("refusal", REFUSALS)
def test_an_unconfirmed_or_mistaken_destroy_fails_saying_exactly_what_to_pass(scenario, refusal):
    run = scenario["runs"][refusal]
    assert run.rc != 0
    message = run.failure(HOST)
    assert REFUSALS[refusal][1] in message
    assert message.startswith(f"Nothing was destroyed in {APP}:")


@pytest.mark.parametrize("refusal", REFUSALS)
def test_the_refusal_is_the_first_task_and_the_endpoint_sees_no_request(scenario, refusal):
    run = scenario["runs"][refusal]
    assert [name for name, _ in run.results(HOST)] == [REFUSAL_TASK]
    assert scenario["served"][refusal] == 0


@pytest.mark.parametrize("refusal", REFUSALS)
def test_a_refused_destroy_changes_nothing(scenario, refusal):
    assert scenario["states"][refusal] == scenario["states"]["converge"]


def test_the_refusal_says_what_prd_keeps_even_when_confirmed(scenario):
    message = scenario["runs"]["unconfirmed"].failure(HOST)
    assert "keeps the Aurora cluster, its credentials secret, the ECR repository and the log groups" in message


# Confirmed -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(KEPT))
def test_a_confirmed_destroy_keeps_the_database_tier_the_repository_and_the_log_groups(scenario, kind):
    assert scenario["states"]["destroy"][kind] == KEPT[kind]


@pytest.mark.parametrize("kind", [kind for kind in CREATED if kind not in KEPT])
def test_a_confirmed_destroy_removes_the_rest(scenario, kind):
    assert scenario["states"]["destroy"][kind] == []


@pytest.mark.parametrize("kind", IMPORTED)
def test_a_confirmed_destroy_keeps_the_imported_network(scenario, kind):
    assert scenario["states"]["destroy"][kind] == scenario["states"]["converge"][kind]


def test_the_kept_cluster_keeps_its_deletion_protection_and_is_closed_to_the_deleted_groups(scenario):
    assert scenario["databases"]["destroy"] == {"deletion_protection": [True], "ingress": [[]]}


def test_a_confirmed_destroy_says_what_it_kept_and_how_to_delete_the_cluster(scenario):
    text = "\n".join(scenario["runs"]["destroy"].result(SUMMARY_TASK, HOST)["msg"])
    assert f"Kept: Aurora cluster {APP} (deletion protection on)" in text
    assert f"-e destroy_database={APP} (a final snapshot is taken)" in text
    assert f"credentials secret {APP}-db-credentials" in text and "ECR repository nestjs-playground" in text


def test_a_second_confirmed_destroy_changes_nothing(scenario):
    run = scenario["runs"]["destroy_again"]
    assert run.host_stats(HOST)["changed"] == 0, run.changed_tasks(HOST)
    assert scenario["states"]["destroy_again"] == scenario["states"]["destroy"]


# destroy_database ------------------------------------------------------------------------------------

def test_destroy_database_takes_a_final_snapshot_of_the_cluster(scenario):
    (snapshot,) = scenario["states"]["destroy_database"]["db cluster snapshots"]
    assert snapshot.startswith(f"{APP}-final-")
    result = scenario["runs"]["destroy_database"].result(
        "Ensure the Aurora cluster is deleted (with a final snapshot when destroy_database names it)", HOST)
    assert result["final_snapshot_identifier"] == snapshot
    assert f"final snapshot {snapshot}." in "\n".join(scenario["runs"]["destroy_database"].result(SUMMARY_TASK, HOST)["msg"])


def test_destroy_database_deletes_the_database_tier_but_the_credentials_secret(scenario):
    state = scenario["states"]["destroy_database"]
    assert (state["db clusters"], state["db instances"], state["db subnet groups"], state["security groups"]) == ([], [], [], [])
    assert state["db cluster parameter groups"] == []
    assert state["secrets"] == [f"{APP}-db-credentials"]


def test_destroy_database_still_keeps_the_repository_and_the_log_groups(scenario):
    state = scenario["states"]["destroy_database"]
    for kind in ("ecr repositories", "ecr images", "log groups"):
        assert state[kind] == KEPT[kind], kind
