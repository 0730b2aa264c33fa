"""An interrupted takeover of a live CDK environment (issue 21) resumes to the same end.

The CDK app's five stacks (tests/integration/cdk_app.py); then playbooks/adopt_cdk.yml with -e confirm_adopt=dev through
the recording proxy, which kills the playbook (and every process under it) right after a given AWS call reached the
endpoint: during the retain update (the first UpdateStack), after it (the first DeleteStack: every stack retained, one
deleted), and after the stacks' deletion (the converge's first CreateSecurityGroup: no stack left). Each run resumes
from what the last one left; then a run goes to the end and site.yml with the adopted identity changes nothing. The
cluster, the secret's password, the load balancer and the DNS target are those the CDK app made.
"""

import pytest
import yaml

from cdk_app import deploy_cdk_app
from conftest import landing_zone
from test_cdk_takeover import ADOPT
from test_cdk_takeover import WITH_SCHEDULER
from test_cdk_takeover import identities

pytestmark = pytest.mark.integration

# (the AWS call the run is killed right after, what was done by then)
KILL_POINTS = [
    ("UpdateStack", "during the retain update"),
    ("DeleteStack", "after the retain update"),
    ("CreateSecurityGroup", "after the stacks' deletion"),
]


@pytest.fixture(scope="module")
def resumed(ansible, ansible_recorded, recorded, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    app = deploy_cdk_app(ansible, lz)
    files = tmp_path_factory.mktemp("adopt")
    identity_file = str(files / "adopted.yml")
    extra = [lz, WITH_SCHEDULER, {"cdk_adopt_vars_file": identity_file, "plan_file": str(files / "plan.json"),
                                  "confirm_adopt": "dev"}]
    out = {"before": identities(ansible, app), "killed": {}}
    for action, _ in KILL_POINTS:
        run = ansible_recorded.spawn(ADOPT, extra_vars=extra)
        recorded.after_call(action, run.kill)
        out["killed"][action] = {"run": run.wait(), "stacks": stacks(ansible)}
    recorded.clear_hooks()
    out["final"] = ansible_recorded.playbook(ADOPT, extra_vars=extra)
    out["stacks"] = stacks(ansible)
    with open(identity_file, encoding="utf-8") as handle:
        out["identity"] = yaml.safe_load(handle)
    out["site"] = ansible.playbook("site.yml", extra_vars=[lz, WITH_SCHEDULER, "@" + identity_file])
    out["after"] = identities(ansible, app)
    out["app"] = app
    return out


def stacks(ansible):
    return sorted(s["StackName"] for s in ansible.client("cloudformation").describe_stacks()["Stacks"])


@pytest.mark.parametrize(("action", "point"), KILL_POINTS)
def test_each_run_was_killed_at_its_point(resumed, action, point):
    killed = resumed["killed"][action]
    assert killed["run"].rc != 0, f"{point}: {killed['run']!r}"


def test_the_kills_left_the_stacks_as_each_point_says(resumed):
    killed, all_five = resumed["killed"], sorted(resumed["app"].stacks.values())
    assert killed["UpdateStack"]["stacks"] == all_five                       # one retained, none deleted
    assert killed["DeleteStack"]["stacks"] == [s for s in all_five if not s.endswith("-scheduled-task")]
    assert killed["CreateSecurityGroup"]["stacks"] == []


def test_the_resumed_takeover_reaches_the_end(resumed):
    assert resumed["final"].rc == 0, resumed["final"]
    assert resumed["stacks"] == []


def test_the_identity_recorded_before_the_stacks_went_is_kept(resumed):
    ids = resumed["app"].ids
    assert resumed["identity"]["database_cluster_identifier"] == ids["cluster"]
    assert resumed["identity"]["alb_name"] == ids["compute/LoadBalancer"].split("/")[2]
    assert sorted(resumed["identity"]["cdk_adopted_stacks"]) == sorted(resumed["app"].stacks.values())


@pytest.mark.parametrize("what", ["clusters", "writer", "password digest", "load balancer", "dns records", "services",
                                  "target groups", "repositories"])
def test_the_resumed_takeover_keeps_every_resource(resumed, what):
    assert resumed["after"][what] == resumed["before"][what]


def test_the_next_site_yml_changes_nothing(resumed):
    assert resumed["site"].rc == 0, resumed["site"]
    assert resumed["site"].changed_tasks() == []
