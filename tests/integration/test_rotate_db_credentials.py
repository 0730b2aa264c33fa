"""playbooks/rotate_db_credentials.yml on the dev site with its scheduler, through the recording proxy.

One scenario, run once: converge, then a check-mode rotation, two rotations, a scheduled run before the due
date, a converge and a plan after them, and the refusals (prd without confirm_rotate, a confirm_rotate naming
another environment). After each rotation the password the cluster was given (the recorded ``ModifyDBCluster``,
compared by digest) is the secret's ``AWSCURRENT`` one and new; both services get one forced deployment and a
new primary deployment; ``site.yml`` and ``plan.yml`` then find nothing to change; no password appears in any
output, at ``-vvv`` too. What the module does step by step is in test_db_credentials_rotation_module.py.
"""

import hashlib
import json
import urllib.parse

import pytest

from conftest import landing_zone
from resources import start_tasks

pytestmark = pytest.mark.integration

ROTATE = "playbooks/rotate_db_credentials.yml"
APP = "nestjs-playground-dev"
SCHEDULER = "nestjs-playground-scheduler-dev"
SECRET = "nestjs-playground-dev-db-credentials"
# With the reader and its secret, and deletion protection on, as in prd: the rotation must leave both alone.
WITH_SCHEDULER = {"schedule_task_cleanup_cron": "0 2 * * *", "deploy_wait_timeout": 120, "database_read_replica": True,
                  "database_deletion_protection": True}
READ_REPLICA_SECRET = "nestjs-playground-dev-db-read-replica"
REFUSAL = "Refuse a rotation this environment does not allow, before any AWS call"
ROTATION_TASK = "Rotate the master password of the cluster and of the credentials secret"
PLAN_SUMMARY = "Show the plan"


def digest(text):
    """Passwords are compared by digest, so a failing assertion never prints one."""
    return hashlib.sha256(text.encode()).hexdigest()


def current_password(ansible):
    secrets = ansible.client("secretsmanager")
    # Read by stage: moto 5.2.5 does not move the default version with AWSCURRENT (docs/emulator-gaps.md).
    return json.loads(secrets.get_secret_value(SecretId=SECRET, VersionStage="AWSCURRENT")["SecretString"])["password"]


def primary_deployments(ansible):
    ecs = ansible.client("ecs")
    services = ecs.describe_services(cluster=APP, services=[APP, SCHEDULER])["services"]
    return {s["serviceName"]: next(d["id"] for d in s["deployments"] if d["status"] == "PRIMARY") for s in services}


@pytest.fixture(scope="module")
def scenario(ansible, ansible_recorded, recorded, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    plans = tmp_path_factory.mktemp("plans")
    converge = ansible_recorded.playbook("site.yml", extra_vars=[lz, WITH_SCHEDULER])
    assert converge.rc == 0, converge
    start_tasks(ansible, APP, SCHEDULER)   # the emulator never starts a created service's tasks by itself
    given, forced = [], []
    recorded.after_call("ModifyDBCluster", lambda call, body: given.append(
        digest(urllib.parse.parse_qs(body.decode())["MasterUserPassword"][0])), times=10, answer=True)
    recorded.after_call("UpdateService", lambda call, body: forced.append(json.loads(body)), times=20, answer=True)
    read_replica_before = ansible.client("secretsmanager").describe_secret(SecretId=READ_REPLICA_SECRET)["VersionIdsToStages"]
    out = {"runs": {}, "writes": {}, "passwords": {"converge": digest(current_password(ansible))},
           "deployments": {"converge": primary_deployments(ansible)}, "given": given, "forced": forced, "texts": []}

    def run(step, playbook=ROTATE, *extra, check=False, args=()):
        mark = recorded.mark()
        out["runs"][step] = ansible_recorded.playbook(playbook, extra_vars=[lz, WITH_SCHEDULER, *extra], check=check,
                                                      diff=check, args=args)
        out["writes"][step] = [c.action for c in recorded.mutating_calls(mark)]
        out["calls"] = out.get("calls", {})
        out["calls"][step] = len(recorded.calls(mark))
        out["passwords"][step] = digest(current_password(ansible))
        out["deployments"][step] = primary_deployments(ansible)
        out["texts"].append(out["runs"][step].stdout + out["runs"][step].stderr)

    run("check", check=True)
    run("first", args=("-vvv",))
    run("second")
    run("not_due", ROTATE, {"rotate_db_credentials_only_when_due": True})
    # A run stopped between the rotation and the roll: the password rotated, the tasks not replaced.
    alone = ansible_recorded.module("nestjs_playground.infra.db_credentials_rotation", {"name": SECRET, "db_cluster_identifier": APP})
    assert alone.get("changed"), alone
    run("roll_resumed", ROTATE, {"rotate_db_credentials_only_when_due": True})
    run("converge_after", "site.yml")
    run("plan_after", "playbooks/plan.yml", {"plan_file": str(plans / "after.json")})
    run("refuse_prd", ROTATE, {"environment_name": "prd"})
    run("refuse_other_confirm", ROTATE, {"confirm_rotate": "qa"})
    out["secrets"] = [current_password(ansible)]
    out["read_replica_versions"] = (read_replica_before, ansible.client("secretsmanager").describe_secret(
        SecretId=READ_REPLICA_SECRET)["VersionIdsToStages"])
    out["cluster"] = ansible.client("rds").describe_db_clusters(DBClusterIdentifier=APP)["DBClusters"][0]
    return out


def test_check_mode_says_it_would_rotate_and_roll_both_services_and_writes_nothing(scenario):
    run = scenario["runs"]["check"]
    assert run.rc == 0, run
    assert scenario["writes"]["check"] == []
    assert run.result(ROTATION_TASK)["changed"] is True
    assert run.result("Show what was rotated and when the next rotation is due")["msg"].startswith("Would rotate")
    assert scenario["passwords"]["check"] == scenario["passwords"]["converge"]


@pytest.mark.parametrize("step, before", [("first", "converge"), ("second", "first")])
def test_a_rotation_gives_the_cluster_the_new_current_password_and_rolls_both_services(scenario, step, before):
    run = scenario["runs"][step]
    assert run.rc == 0, run
    assert scenario["passwords"][step] != scenario["passwords"][before]
    assert scenario["passwords"][step] in scenario["given"]
    assert scenario["writes"][step].count("ModifyDBCluster") == 1
    assert scenario["writes"][step].count("UpdateService") == 2
    for service in (APP, SCHEDULER):
        assert scenario["deployments"][step][service] != scenario["deployments"][before][service], service
    assert sorted(run.changed_tasks()) == sorted([ROTATION_TASK, "Replace the application's tasks and wait until the new ones are stable",
                                                  "Replace the scheduler's task and wait until the new one is stable"])


def test_each_forced_deployment_asks_only_for_new_tasks(scenario):
    assert scenario["forced"] and all(body == {"cluster": APP, "service": body["service"], "forceNewDeployment": True}
                                      for body in scenario["forced"])
    assert sorted(body["service"] for body in scenario["forced"]) == sorted([APP, SCHEDULER] * 3)


def test_a_scheduled_run_before_the_due_date_changes_nothing(scenario):
    run = scenario["runs"]["not_due"]
    assert run.rc == 0, run
    assert scenario["writes"]["not_due"] == [] and run.changed_tasks() == []
    assert ": not due yet." in run.result("Show what was rotated and when the next rotation is due")["msg"]


def test_a_scheduled_run_replaces_the_tasks_a_stopped_run_left_on_the_old_password_and_rotates_nothing(scenario):
    run = scenario["runs"]["roll_resumed"]
    assert run.rc == 0, run
    assert scenario["writes"]["roll_resumed"] == ["UpdateService", "UpdateService"]
    assert sorted(run.changed_tasks()) == sorted(["Replace the application's tasks and wait until the new ones are stable",
                                                  "Replace the scheduler's task and wait until the new one is stable"])
    for service in (APP, SCHEDULER):
        assert scenario["deployments"]["roll_resumed"][service] != scenario["deployments"]["not_due"][service], service


def test_after_rotations_a_converge_and_a_plan_find_nothing_to_change(scenario):
    converge, plan = scenario["runs"]["converge_after"], scenario["runs"]["plan_after"]
    assert converge.rc == 0 and plan.rc == 0, (converge, plan)
    assert converge.host_stats()["changed"] == 0, converge.changed_tasks()
    assert plan.result(PLAN_SUMMARY)["msg"][0] == "No changes: nestjs-playground-dev in us-east-1 matches its inventory."
    assert scenario["writes"]["converge_after"] == [] and scenario["writes"]["plan_after"] == []


@pytest.mark.parametrize("step, message", [
    ("refuse_prd", "environment_name is prd, a production environment: pass -e confirm_rotate=prd to rotate its database "
                   "credentials now (confirm_rotate is not set)."),
    ("refuse_other_confirm", "confirm_rotate 'qa' does not match environment_name 'dev': pass -e confirm_rotate=dev"
                             " to rotate this environment."),
])
def test_a_refused_rotation_names_the_reason_and_makes_no_aws_call(scenario, step, message):
    run = scenario["runs"][step]
    assert run.rc == 2, run
    assert message in run.failure()
    assert [name for name, _ in run.results()][-1] == REFUSAL
    assert scenario["calls"][step] == 0


def test_the_read_replica_secret_is_left_alone_and_deletion_protection_stays_on(scenario):
    before, after = scenario["read_replica_versions"]
    assert after == before   # no version written: it holds the reader's endpoint only, and the reader takes the same password
    assert scenario["cluster"]["DeletionProtection"] is True
    assert scenario["cluster"]["Status"] == "available"


def test_no_password_appears_in_any_output(scenario):
    assert len(scenario["texts"]) == 9 and "-vvv" in scenario["runs"]["first"].args
    for text in scenario["texts"]:
        for password in scenario["secrets"]:
            assert password not in text
