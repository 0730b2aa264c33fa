"""playbooks/destroy.yml on a dev environment, and the no-secret-leak guarantee, against one local AWS endpoint.

One scenario, run once: the landing zone; site.yml with the reader, the scheduler and the flow logs on, at ``-vvv --diff``
(its output and every file under the repository are then searched for the database password and the JWT
secret, both read from the endpoint); an image pushed into the repository; destroy ``--check``; destroy;
destroy again; site.yml again, from nothing. After each run the tests compare what the endpoint holds,
kind by kind (tests/integration/resources.py).
"""

import json
import os

import pytest

from conftest import ROOT
from conftest import landing_zone
from resources import CREATED
from resources import IMPORTED
from resources import push_image
from resources import what_exists

pytestmark = pytest.mark.integration

DESTROY = "playbooks/destroy.yml"
APP = "nestjs-playground-dev"
WITH_READER_AND_SCHEDULER = {"database_read_replica": True, "schedule_task_cleanup_cron": "0 2 * * *", "vpc_flow_logs_enabled": True}
# Not searched: the checkout's own history and virtualenv, and the local endpoint's request log, if a
# `make demo` left one (the emulator logs requests; it is not this project's output).
NOT_SEARCHED_DIRS = {".git", ".venv"}
NOT_SEARCHED_FILES = {os.path.join(ROOT, ".emulator", "moto.log")}


def files_containing(top, needles):
    """{needle: [paths under ``top`` whose bytes contain it]}, not following links to directories."""
    found = {needle: [] for needle in needles}
    for directory, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d not in NOT_SEARCHED_DIRS]
        for name in files:
            path = os.path.join(directory, name)
            if path in NOT_SEARCHED_FILES or not os.path.isfile(path):
                continue
            try:
                with open(path, "rb") as handle:
                    content = handle.read()
            except FileNotFoundError:
                continue   # removed meanwhile by a test running in parallel
            for needle in needles:
                if needle.encode() in content:
                    found[needle].append(os.path.relpath(path, top))
    return found


def read_secrets(ansible):
    """The two secret values of the environment, read from the endpoint as the application reads them."""
    document = ansible.client("secretsmanager").get_secret_value(SecretId=f"{APP}-db-credentials")["SecretString"]
    jwt = ansible.client("ssm").get_parameter(Name="/nestjs-playground/jwt-secret", WithDecryption=True)["Parameter"]["Value"]
    return {"database password": json.loads(document)["password"], "JWT secret": jwt}


@pytest.fixture(scope="module")
def scenario(ansible, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    extra = [lz, WITH_READER_AND_SCHEDULER]
    # As a user runs it, at the highest verbosity that shows every module's arguments and result.
    converge = ansible.playbook("site.yml", extra_vars=extra, diff=True, args=["-vvv"],
                                env={"ANSIBLE_STDOUT_CALLBACK": "default"})
    assert converge.rc == 0, converge
    secrets = read_secrets(ansible)
    leaks = files_containing(ROOT, list(secrets.values()))
    push_image(ansible, "nestjs-playground")
    states, runs = {"converge": what_exists(ansible)}, {}
    for step, check in (("destroy_check", True), ("destroy", False), ("destroy_again", False)):
        runs[step] = ansible.playbook(DESTROY, extra_vars=extra, check=check, diff=check)
        assert runs[step].rc == 0, f"{step}: {runs[step]!r}"
        states[step] = what_exists(ansible)
    runs["converge_again"] = ansible.playbook("site.yml", extra_vars=extra)
    assert runs["converge_again"].rc == 0, runs["converge_again"]
    states["converge_again"] = what_exists(ansible)
    return {"lz": lz, "converge": converge, "secrets": secrets, "leaks": leaks, "runs": runs, "states": states}


# No secret leaks --------------------------------------------------------------------------------------

def test_the_secrets_searched_for_are_real_values(scenario):
    for name, value in scenario["secrets"].items():
        assert len(value) >= 20, name


def test_the_converge_ran_at_the_verbosity_that_shows_module_arguments_and_diffs(scenario):
    out = scenario["converge"].stdout
    assert "module_args" in out and "invocation" in out
    assert "--- before" in out and "+++ after" in out


def test_the_converge_searched_ran_every_module_inside_the_worker(scenario):
    """Direct execution is the default, and every AWS task of the converge is one of the collection's modules:
    at -vvv the module path names each module file it sends to a process of its own; here there is none."""
    out = scenario["converge"].stdout
    assert "Using module file" not in out
    assert "AnsiballZ_" not in out


@pytest.mark.parametrize("secret", ["database password", "JWT secret"])
def test_the_converge_output_at_vvv_shows_neither_secret(scenario, secret):
    value = scenario["secrets"][secret]
    assert value not in scenario["converge"].stdout
    assert value not in scenario["converge"].stderr


@pytest.mark.parametrize("secret", ["database password", "JWT secret"])
def test_no_file_under_the_repository_holds_either_secret(scenario, secret):
    # The whole tree (outputs/ included), not only what git tracks.
    assert scenario["leaks"][scenario["secrets"][secret]] == []


def test_the_file_search_finds_a_secret_where_it_is(tmp_path):
    (tmp_path / "outputs").mkdir()
    (tmp_path / "outputs" / "app-dev.json").write_text('{"password": "s3cret-Value-42"}')
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "objects").write_text("s3cret-Value-42")
    assert files_containing(str(tmp_path), ["s3cret-Value-42", "absent"]) == {
        "s3cret-Value-42": [os.path.join("outputs", "app-dev.json")], "absent": []}


# Safe teardown ----------------------------------------------------------------------------------------

def test_the_converge_made_every_kind_of_resource_the_teardown_must_remove(scenario):
    converged = scenario["states"]["converge"]
    assert [kind for kind in CREATED if kind != "db cluster snapshots" and not converged[kind]] == []
    assert f"{APP}-reader" in converged["db instances"]
    assert f"{APP}/nestjs-playground-scheduler-dev" in converged["ecs services"]
    assert converged["ecr images"] == ["nestjs-playground:latest"]


def test_destroy_in_check_mode_deletes_nothing(scenario):
    assert scenario["states"]["destroy_check"] == scenario["states"]["converge"]


def test_destroy_in_check_mode_predicts_exactly_the_tasks_the_destroy_changes(scenario):
    runs = scenario["runs"]
    assert runs["destroy_check"].changed_tasks() == runs["destroy"].changed_tasks()
    assert len(runs["destroy"].changed_tasks()) >= 20


def test_destroy_closes_the_database_before_deleting_the_groups_it_admits(scenario):
    # AWS refuses to delete a group another group's rule refers to; the emulator does not (docs/emulator-gaps.md),
    # so the order itself is what is checked.
    changed = scenario["runs"]["destroy"].changed_tasks()
    close = changed.index("Ensure the database's security group admits no one (the groups it admits are about to be deleted)")
    assert close < changed.index("Ensure the scheduler's security group is deleted")
    assert close < changed.index("Ensure the application's and the load balancer's security groups are deleted")


def test_destroy_in_check_mode_shows_what_it_would_delete(scenario):
    diff = scenario["runs"]["destroy_check"].result("Ensure the Aurora cluster is deleted (with a final snapshot when destroy_database names it)")["diff"]
    assert diff["after"] == {} and diff["before"]["deletion_protection"] is False
    summary = scenario["runs"]["destroy_check"].result("Show what was removed and what the environment keeps")["msg"]
    assert summary[0].startswith(f"Would destroy (check mode) {APP} in us-east-1")


@pytest.mark.parametrize("kind", CREATED)
def test_destroy_leaves_nothing_of_the_environment(scenario, kind):
    assert scenario["states"]["destroy"][kind] == []


@pytest.mark.parametrize("kind", IMPORTED)
def test_destroy_keeps_the_imported_network(scenario, kind):
    assert scenario["states"]["destroy"][kind] == scenario["states"]["converge"][kind]


def test_destroy_deletes_the_repository_with_its_images_and_the_secrets_without_recovery_window(scenario):
    # Also proved kind by kind above; named here because these are the spec's non-prod removal policies.
    converged, destroyed = scenario["states"]["converge"], scenario["states"]["destroy"]
    assert converged["ecr images"] and destroyed["ecr repositories"] == []
    assert len(converged["secrets"]) == 2 and destroyed["secrets"] == []


def test_destroy_takes_no_final_snapshot_outside_prd(scenario):
    result = scenario["runs"]["destroy"].result("Ensure the Aurora cluster is deleted (with a final snapshot when destroy_database names it)")
    assert "final_snapshot_identifier" not in result
    assert scenario["states"]["destroy"]["db cluster snapshots"] == []


def test_destroy_says_what_it_destroyed_and_keeps_nothing_outside_prd(scenario):
    summary = scenario["runs"]["destroy"].result("Show what was removed and what the environment keeps")["msg"]
    assert summary == [f"Destroyed {APP} in us-east-1; the imported network stays ({scenario['lz']['vpc_id']})."]


def test_destroy_again_changes_nothing(scenario):
    run = scenario["runs"]["destroy_again"]
    assert run.host_stats()["changed"] == 0, run.changed_tasks()
    assert scenario["states"]["destroy_again"] == scenario["states"]["destroy"]


def test_converge_again_from_nothing_rebuilds_the_same_environment(scenario):
    again, first = scenario["states"]["converge_again"], scenario["states"]["converge"]
    assert {kind: again[kind] for kind in again if kind != "ecr images"} == {kind: first[kind] for kind in first if kind != "ecr images"}
    assert again["ecr images"] == []
