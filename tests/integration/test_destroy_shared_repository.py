"""playbooks/destroy.yml and the ECR repository that the environments of one account share (issue 22), against
one local AWS endpoint.

The repository is ${app_name}, as in the specification: dev and qa of one application in one account push to
and run from the same repository. One scenario, run once: the landing zone; site.yml converging dev and qa in one
run (two hosts); images pushed; destroy dev, refused before any deletion because qa's service runs an image of
the repository (and in check mode too); destroy dev keeping the repository (destroy_keep_repository), again (no
change); destroy qa, the last environment running its images, which deletes the repository.
"""

import pytest

from conftest import landing_zone
from conftest import write_inventory
from resources import push_image
from resources import what_exists

pytestmark = pytest.mark.integration

DESTROY = "playbooks/destroy.yml"
DEV, QA = "nestjs-playground-dev", "nestjs-playground-qa"
URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground"
REFUSAL = "Refuse to delete the repository while a service of another environment runs its images"
KEEP = {"destroy_keep_repository": True}


def environment(ansible, name):
    """The resources of one environment: its ECS cluster and services, load balancer, database and log groups."""
    state = what_exists(ansible)
    return {kind: [item for item in items if name in item] for kind, items in state.items()
            if kind in ("ecs clusters", "ecs services", "load balancers", "db clusters", "log groups", "security groups")}


@pytest.fixture(scope="module")
def scenario(ansible, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    inventory = write_inventory(tmp_path_factory.mktemp("shared"), hosts={
        DEV: dict(lz, environment_name="dev"),
        QA: dict(lz, environment_name="qa", domain_name="nestjs-playground-api-qa", service_desired_count=2, app_version="1.0.0"),
    })
    runs, states = {"converge": ansible.playbook("site.yml", inventory)}, {}
    assert runs["converge"].rc == 0, [runs["converge"].failure(host) for host in (DEV, QA)
                                      if runs["converge"].host_stats(host)["failures"]]
    for tag in ("latest", "1.0.0"):
        push_image(ansible, "nestjs-playground", tag)
    runs["rerun"] = ansible.playbook("site.yml", inventory)
    states["converge"] = what_exists(ansible)
    ecr = ansible.client("ecr")
    arn = ecr.describe_repositories(repositoryNames=["nestjs-playground"])["repositories"][0]["repositoryArn"]
    repository_tags = {t["Key"]: t["Value"] for t in ecr.list_tags_for_resource(resourceArn=arn)["tags"]}

    def destroy(step, host, *extra, check=False):
        runs[step] = ansible.playbook(DESTROY, inventory, extra_vars=list(extra), check=check, diff=check, args=["--limit", host])
        states[step] = what_exists(ansible)

    destroy("dev_check", DEV, check=True)
    destroy("dev", DEV)
    destroy("dev_keeping", DEV, KEEP)
    destroy("dev_keeping_again", DEV, KEEP)
    destroy("qa", QA)
    return {"runs": runs, "states": states, "repository_tags": repository_tags}


def test_both_environments_converge_the_shared_repository_at_once_and_again_without_change(scenario):
    run = scenario["runs"]["rerun"]
    assert run.rc == 0, run
    for host in (DEV, QA):
        assert run.host_stats(host)["changed"] == 0, run.changed_tasks(host)
    assert "Env" not in scenario["repository_tags"]   # neither environment's: they would take turns
    assert scenario["repository_tags"]["App"] == "nestjs-playground"


@pytest.mark.parametrize("step", ["dev", "dev_check"])
def test_destroying_dev_is_refused_before_any_deletion_naming_qa_s_service_and_image(scenario, step):
    run = scenario["runs"][step]
    assert run.rc == 2, run
    assert [name for name, _ in run.results(DEV)][-1] == REFUSAL
    assert run.failure(DEV) == (
        "Nothing was destroyed in nestjs-playground-dev: the ECR repository nestjs-playground is shared by the environments "
        "of this account, and it would be deleted with its images while the service nestjs-playground-qa (cluster "
        f"nestjs-playground-qa, 2 desired tasks) runs {URI}:1.0.0. Destroy that environment first, or keep the repository: "
        "-e destroy_keep_repository=true (the rest of nestjs-playground-dev is destroyed).")
    assert scenario["states"][step] == scenario["states"]["converge"]


def test_the_refusal_only_read(scenario):
    changed = [name for name, result in scenario["runs"]["dev"].results(DEV) if result.get("changed")]
    assert changed == []


def test_keeping_the_repository_destroys_the_rest_of_dev_and_leaves_qa_and_the_images(scenario):
    run = scenario["runs"]["dev_keeping"]
    assert run.rc == 0, run
    state, before = scenario["states"]["dev_keeping"], scenario["states"]["converge"]
    assert not any(environment_items for environment_items in
                   {kind: [i for i in items if DEV in i] for kind, items in state.items()}.values())
    assert state["ecr repositories"] == ["nestjs-playground"]
    assert state["ecr images"] == before["ecr images"] == ["nestjs-playground:1.0.0", "nestjs-playground:latest"]
    assert {kind: [i for i in items if QA in i] for kind, items in state.items()} == \
        {kind: [i for i in items if QA in i] for kind, items in before.items()}
    summary = run.result("Show what was removed and what the environment keeps", DEV)["msg"]
    assert ("Kept: ECR repository nestjs-playground with its images (destroy_keep_repository; other environments of the "
            "account share it).") in summary


def test_keeping_it_again_changes_nothing(scenario):
    run = scenario["runs"]["dev_keeping_again"]
    assert run.rc == 0, run
    assert run.host_stats(DEV)["changed"] == 0, run.changed_tasks(DEV)
    assert scenario["states"]["dev_keeping_again"] == scenario["states"]["dev_keeping"]


def test_the_last_environment_running_its_images_deletes_the_repository(scenario):
    run = scenario["runs"]["qa"]
    assert run.rc == 0, run
    state = scenario["states"]["qa"]
    assert state["ecr repositories"] == [] and state["ecr images"] == []
    assert state["ecs clusters"] == [] and state["db clusters"] == []
