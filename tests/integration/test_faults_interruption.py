"""Recovery from an interrupted first converge: killed at six risky points, then run to the end.

The dev inventory on a fresh account (landing zone built first). site.yml runs through the recording
proxy, which kills the playbook (SIGKILL to it and every process under it: its workers and the module
they run stop at once, as when a CI runner or an AWX node dies) right after a given AWS call reached
the endpoint and before its answer came back: the resource exists but the run never learned it. Each run resumes from what the last
one left and is killed at the next point; then a run goes to the end, and one more changes nothing. The
end state holds exactly one of each resource, and the database password is the one the cluster was
created with: the credentials secret is never regenerated.
"""

import hashlib
import json
import urllib.parse

import pytest

from conftest import dev_resources
from conftest import landing_zone
from conftest import resource_counts

pytestmark = pytest.mark.integration

SECRET = "nestjs-playground-dev-db-credentials"
# (the AWS call the run is killed right after, the task that makes it), in the order site.yml reaches them.
KILL_POINTS = [
    ("CreateSecret", "Ensure the credentials secret, with a password generated once and never shown"),
    ("CreateDBCluster", "Ensure the encrypted Aurora Serverless v2 PostgreSQL cluster"),
    ("RegisterTaskDefinition", "Ensure the task definition runs the image with its configuration and secrets"),
    ("CreateLoadBalancer", "Ensure the internet-facing load balancer in the public subnets"),
    ("CreateListener", "Ensure the HTTPS listener terminates TLS with the certificate and forwards to the application"),
    ("CreateService", "Ensure the Fargate service runs in the private subnets behind the target group"),
]


def digest(text):
    """Passwords are compared by digest, so a failing assertion never prints one."""
    return hashlib.sha256(text.encode()).hexdigest() if text is not None else None


def stored_password(ansible):
    secrets = ansible.client("secretsmanager")
    try:
        return digest(json.loads(secrets.get_secret_value(SecretId=SECRET)["SecretString"])["password"])
    except secrets.exceptions.ResourceNotFoundException:
        return None


@pytest.fixture(scope="module")
def interrupted(ansible, ansible_recorded, recorded, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    created_with = {}

    def remember_cluster_password(call, body):
        created_with["password"] = digest(urllib.parse.parse_qs(body.decode())["MasterUserPassword"][0])

    recorded.after_call("CreateDBCluster", remember_cluster_password, answer=True)   # runs before the kill
    killed, marks = {}, []
    for action, _ in KILL_POINTS:
        marks.append(recorded.mark())
        run = ansible_recorded.spawn("site.yml", extra_vars=[lz])
        recorded.after_call(action, run.kill)
        killed[action] = {"run": run.wait(), "password_after": stored_password(ansible), "counts": resource_counts(ansible)}
    recorded.clear_hooks()
    marks.append(recorded.mark())
    for (action, _), start, end in zip(KILL_POINTS, marks, marks[1:]):
        # Every call from the start of a killed run to the start of the next: nothing of it lived on.
        killed[action]["calls"] = recorded.calls(start)[:end - start]
    final = ansible_recorded.playbook("site.yml", extra_vars=[lz])
    mark = recorded.mark()
    again = ansible_recorded.playbook("site.yml", extra_vars=[lz])
    return {"killed": killed, "final": final, "again": again, "again_writes": recorded.mutating_calls(mark),
            "created_with": created_with.get("password"), "password": stored_password(ansible),
            "counts": resource_counts(ansible)}


@pytest.mark.parametrize(("action", "task"), KILL_POINTS)
def test_each_run_was_killed_in_its_task_right_after_its_call(interrupted, action, task):
    killed = interrupted["killed"][action]
    run = killed["run"]
    assert run.rc == -9, run                           # SIGKILL: no summary, no cleanup
    assert killed["calls"][-1].action == action        # nothing was asked after the call it was killed at, not even a retry
    assert killed["calls"][-1].status == 200           # ...which had reached the endpoint
    assert [c.action for c in killed["calls"]].count(action) == 1


def test_the_run_after_the_last_kill_finishes(interrupted):
    run = interrupted["final"]
    assert run.rc == 0, run
    assert run.host_stats()["failures"] == 0


def test_one_more_run_changes_nothing_and_writes_nothing(interrupted):
    run = interrupted["again"]
    assert run.rc == 0, run
    assert run.host_stats()["changed"] == 0, run.changed_tasks()
    assert interrupted["again_writes"] == []


def test_the_end_state_holds_exactly_one_of_each_resource(interrupted):
    assert interrupted["counts"] == dev_resources()


@pytest.mark.parametrize("action", [action for action, _ in KILL_POINTS])
def test_no_interrupted_run_left_a_duplicate(interrupted, action):
    counts = interrupted["killed"][action]["counts"]
    assert {kind: {n: c for n, c in items.items() if c > 1} for kind, items in counts.items() if any(c > 1 for c in items.values())} == {}


def test_the_database_password_is_the_one_the_cluster_was_created_with(interrupted):
    assert interrupted["created_with"] is not None
    passwords = {action: killed["password_after"] for action, killed in interrupted["killed"].items()}
    assert passwords["CreateSecret"] is not None      # the first kill left the secret with its password
    # From the secret's creation on, the password never changed: the cluster got it, and the secret kept it.
    assert set(passwords.values()) == {interrupted["created_with"]}
    assert interrupted["password"] == interrupted["created_with"]
