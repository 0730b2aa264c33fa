"""playbooks/plan.yml (the `cdk diff` of this project) on a dev environment, against one local AWS endpoint.

One scenario, run once: the landing zone; site.yml (conftest.converged: restored when another module ran it); a plan of the converged environment; four changes made
outside Ansible with boto3, each to another kind of resource (the target group's health-check path, the
autoscaling maximum, an ingress rule added by hand to the application's security group, ECR scan-on-push
turned off); a plan (run without --check: the play forces check mode); a plan of the ECR tier alone with
plan_fail_on_changes; site.yml, which puts the four back; a plan again. Then a plan with its callback
disabled. The tests read each run's summary and plan file and what the endpoint holds after each run.
"""

import json

import pytest

from conftest import converged
from resources import requests_served

pytestmark = pytest.mark.integration

PLAN = "playbooks/plan.yml"
APP = "nestjs-playground-dev"
SUMMARY = "Show the plan"
NO_CHANGES = "No changes: nestjs-playground-dev in us-east-1 matches its inventory."
FAIL_TASK = "Fail when the environment differs from its inventory and plan_fail_on_changes is set"
HAND_RULE = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "203.0.113.0/24", "Description": "added by hand"}]}
# What each edit made outside Ansible looks like in the plan: (tier, module, resource, task, fields).
DRIFT = {
    "ecr scan on push": ("ecr", "nestjs_playground.infra.ecr_repository", "nestjs-playground",
                         "Ensure the ECR repository scans on push, keeps its tags mutable and expires untagged images",
                         {"scan_on_push": {"before": False, "after": True}}),
    "app ingress rule": ("compute", "nestjs_playground.infra.security_group", f"{APP}-app",
                         "Ensure the application's security group admits the load balancer on the application port only",
                         None),
    "health check path": ("compute", "nestjs_playground.infra.alb_target_group", f"{APP}-tg",
                          "Ensure the target group checks /v1/health on the application port",
                          {"health_check_path": {"before": "/edited-in-the-console", "after": "/v1/health"}}),
    "autoscaling maximum": ("compute", "nestjs_playground.infra.ecs_service_scaling", APP,
                            "Ensure the service scales between its minimum and maximum on average CPU",
                            {"scalable_target.max_capacity": {"before": 9, "after": 2}}),
}


def app_security_group(ansible):
    return ansible.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [f"{APP}-app"]}])["SecurityGroups"][0]


def drifted(ansible):
    """What each of the four edits touches, as the endpoint holds it."""
    elb, aas, ecr = ansible.client("elbv2"), ansible.client("application-autoscaling"), ansible.client("ecr")
    (target,) = aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    return {
        "ecr scan on push": ecr.describe_repositories(repositoryNames=["nestjs-playground"])["repositories"][0][
            "imageScanningConfiguration"]["scanOnPush"],
        "app ingress rule": any(p.get("FromPort") == 22 for p in app_security_group(ansible)["IpPermissions"]),
        "health check path": elb.describe_target_groups(Names=[f"{APP}-tg"])["TargetGroups"][0]["HealthCheckPath"],
        "autoscaling maximum": target["MaxCapacity"],
    }


def edit_outside_ansible(ansible):
    elb, aas, ec2, ecr = (ansible.client(s) for s in ("elbv2", "application-autoscaling", "ec2", "ecr"))
    (group,) = elb.describe_target_groups(Names=[f"{APP}-tg"])["TargetGroups"]
    elb.modify_target_group(TargetGroupArn=group["TargetGroupArn"], HealthCheckPath="/edited-in-the-console")
    aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=f"service/{APP}/{APP}",
                                 ScalableDimension="ecs:service:DesiredCount", MaxCapacity=9)
    ec2.authorize_security_group_ingress(GroupId=app_security_group(ansible)["GroupId"], IpPermissions=[HAND_RULE])
    ecr.put_image_scanning_configuration(repositoryName="nestjs-playground", imageScanningConfiguration={"scanOnPush": False})


@pytest.fixture(scope="module")
def scenario(ansible, emulator, tmp_path_factory):
    plans = tmp_path_factory.mktemp("plans")
    runs, files, states = {}, {}, {}
    # The dev converge, restored when another module of this run made it (conftest.converged).
    lz, runs["converge"] = converged(ansible, tmp_path_factory.mktemp("landing-zone"))
    states["converge"] = drifted(ansible)

    def run(step, playbook, *extra, args=()):
        if playbook == PLAN:
            files[step] = plans / f"{step}.json"
            extra = extra + ({"plan_file": str(files[step])},)
        runs[step] = ansible.playbook(playbook, extra_vars=[lz, *extra], args=args)
        states[step] = drifted(ansible)

    run("plan_converged", PLAN)
    edit_outside_ansible(ansible)
    states["edited"] = drifted(ansible)
    run("plan_drifted", PLAN)
    run("plan_ecr_failing", PLAN, {"plan_fail_on_changes": True}, args=["--tags", "ecr"])
    run("converge_drifted", "site.yml")
    run("plan_after_converge", PLAN, {"plan_fail_on_changes": True})
    before = requests_served(emulator)
    # Only a stdout callback enabled (which Ansible skips, having its own): the plan callback is not loaded.
    # (An empty ANSIBLE_CALLBACKS_ENABLED makes ansible-playbook crash before any task.)
    runs["plan_without_callback"] = ansible.playbook(PLAN, extra_vars=[lz], env={"ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.minimal"})
    served = requests_served(emulator) - before
    return {"runs": runs, "files": files, "states": states, "served_without_callback": served}


def plan_file(scenario, step):
    with open(scenario["files"][step], encoding="utf-8") as handle:
        return json.load(handle)


def summary(scenario, step):
    return scenario["runs"][step].result(SUMMARY)["msg"]


# A converged environment --------------------------------------------------------------------------

def test_a_converged_environment_plans_no_changes_and_exits_0(scenario):
    run = scenario["runs"]["plan_converged"]
    assert run.rc == 0, run
    assert summary(scenario, "plan_converged")[0] == NO_CHANGES


def test_the_plan_file_of_a_converged_environment_holds_no_change(scenario):
    document = plan_file(scenario, "plan_converged")
    assert (document["deployment"], document["region"]) == (APP, "us-east-1")
    assert (document["changes"], document["items"]) == (0, [])
    assert document["counts"] == {"create": 0, "change": 0, "remove": 0}
    assert document["tiers_planned"] == ["database", "ecr", "compute", "scheduler"]


# Drift made outside Ansible -----------------------------------------------------------------------

def test_the_edits_made_outside_ansible_are_in_place(scenario):
    assert scenario["states"]["edited"] == {"ecr scan on push": False, "app ingress rule": True,
                                            "health check path": "/edited-in-the-console", "autoscaling maximum": 9}


def test_the_plan_of_a_drifted_environment_exits_0_without_plan_fail_on_changes(scenario):
    assert scenario["runs"]["plan_drifted"].rc == 0, scenario["runs"]["plan_drifted"]


def test_the_plan_names_exactly_the_four_edited_resources_each_in_its_tier(scenario):
    items = plan_file(scenario, "plan_drifted")["items"]
    assert sorted((i["tier"], i["module"], i["resource"], i["task"], i["action"]) for i in items) == sorted(
        (tier, module, resource, task, "change") for tier, module, resource, task, _ in DRIFT.values())


@pytest.mark.parametrize("edit", [edit for edit, expected in DRIFT.items() if expected[4] is not None])
def test_the_plan_names_the_field_that_drifted_with_its_value_and_the_inventory_value(scenario, edit):
    _, _, resource, _, fields = DRIFT[edit]
    (item,) = [i for i in plan_file(scenario, "plan_drifted")["items"] if i["resource"] == resource and i["tier"] == DRIFT[edit][0]]
    assert item["fields"] == fields


def test_the_plan_names_the_security_group_rules_as_what_changes(scenario):
    (item,) = [i for i in plan_file(scenario, "plan_drifted")["items"] if i["module"] == "nestjs_playground.infra.security_group"]
    assert list(item["fields"]) == ["ingress"]
    hand_rule = {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_ipv4": "203.0.113.0/24", "description": "added by hand"}
    assert hand_rule in item["fields"]["ingress"]["before"]
    assert hand_rule not in item["fields"]["ingress"]["after"]


def test_the_summary_lists_the_four_changes_under_their_tiers(scenario):
    lines = summary(scenario, "plan_drifted")
    assert lines[0] == "Plan for nestjs-playground-dev in us-east-1: 4 changes (0 to create, 4 to change, 0 to remove)"
    assert lines[1:-1] == [
        "ecr:",
        "  ~ change ecr_repository nestjs-playground (scan_on_push false -> true) - " + DRIFT["ecr scan on push"][3],
        "compute:",
        f"  ~ change security_group {APP}-app (ingress) - " + DRIFT["app ingress rule"][3],
        f'  ~ change alb_target_group {APP}-tg (health_check_path "/edited-in-the-console" -> "/v1/health") - '
        + DRIFT["health check path"][3],
        f"  ~ change ecs_service_scaling {APP} (scalable_target.max_capacity 9 -> 2) - " + DRIFT["autoscaling maximum"][3],
    ]
    # dev's inventory runs no application task (desired 0, minimum 0): the plan says a converge leaves it so.
    assert lines[-1] == (f"Note: the application's service {APP} runs no task (desired count 0) and site.yml leaves it so"
                         " (service_min_capacity is 0): start it with playbooks/scale.yml -e scale_action=start.")


@pytest.mark.parametrize("step", ["plan_converged", "plan_drifted", "plan_ecr_failing"])
def test_a_plan_run_without_check_changes_nothing_in_aws(scenario, step):
    previous = "converge" if step == "plan_converged" else "edited"
    assert scenario["states"][step] == scenario["states"][previous]


def test_plan_fail_on_changes_fails_the_run_after_showing_and_writing_the_plan(scenario):
    run = scenario["runs"]["plan_ecr_failing"]
    assert run.rc == 2, run
    assert run.failure().startswith("nestjs-playground-dev differs from its inventory: 1 change(s) above, written to ")
    assert [name for name, _ in run.results()][-1] == FAIL_TASK
    # --tags ecr plans the ECR tier alone; the other tiers are read, so their drift is not in this plan.
    assert [(i["tier"], i["resource"]) for i in plan_file(scenario, "plan_ecr_failing")["items"]] == [("ecr", "nestjs-playground")]
    assert plan_file(scenario, "plan_ecr_failing")["tiers_planned"] == ["ecr"]


# The next converge puts the drift back ------------------------------------------------------------

def test_the_next_converge_changes_exactly_the_four_drifted_resources(scenario):
    run = scenario["runs"]["converge_drifted"]
    assert run.rc == 0, run
    changed = [name for name in run.changed_tasks() if not name.startswith("Write the outputs file")]
    assert sorted(changed) == sorted(task for _, _, _, task, _ in DRIFT.values())


def test_the_next_converge_puts_each_drifted_value_back(scenario):
    assert scenario["states"]["converge_drifted"] == scenario["states"]["converge"] == {
        "ecr scan on push": True, "app ingress rule": False, "health check path": "/v1/health", "autoscaling maximum": 2}


def test_after_the_converge_the_plan_has_no_changes_and_plan_fail_on_changes_passes(scenario):
    run = scenario["runs"]["plan_after_converge"]
    assert run.rc == 0, run
    assert summary(scenario, "plan_after_converge")[0] == NO_CHANGES
    assert plan_file(scenario, "plan_after_converge")["changes"] == 0


# Without its callback -----------------------------------------------------------------------------

def test_without_its_callback_the_plan_stops_before_any_aws_call_and_says_how_to_enable_it(scenario):
    run = scenario["runs"]["plan_without_callback"]
    assert run.rc != 0
    assert "ANSIBLE_CALLBACKS_ENABLED=nestjs_playground.infra.plan" in run.failure()
    assert [name for name, _ in run.results()][-1] == "Check that the plan callback is enabled, before any AWS call"
    assert scenario["served_without_callback"] == 0
