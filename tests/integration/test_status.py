"""playbooks/status.yml against one local AWS endpoint: the dev site converged with the scheduler on and the
application at one task, made to look running (the emulator starts no task and registers no target: see
``make_it_run``), then status runs on the healthy environment and on faults made by hand - the scheduler
scaled to 0, the application's target deregistered, its log group deleted, a certificate too close to expiry
for the threshold, the scheduler running while the cron is unset - and on bad settings.

Read-only, proved three ways for every run: the playbook talks to AWS through the recording proxy
(scripts/aws_proxy.py, conftest's ``recorded``), which names each call's action: none is mutating, and each
is one of the few reads expected; the number of requests the emulator's log says it served during the run
is the number the proxy saw, so no call went round it; and the emulator's state, described in full before
and after, is byte-identical.
"""

import json
import time

import pytest

from conftest import landing_zone
from resources import requests_served
from resources import what_exists

pytestmark = pytest.mark.integration

APP = "nestjs-playground-dev"
SCHEDULER = "nestjs-playground-scheduler-dev"
TARGET_GROUP = f"{APP}-tg"
APP_LOGS = f"/ecs/{APP}"
SCHEDULER_LOGS = f"/ecs/{SCHEDULER}"
CRON = "0 2 * * *"
TARGET = {"Id": "10.42.10.10", "Port": 3000}   # a task's address in the first private subnet
STREAM = "app/nestjs-playground/0123456789abcdef0123456789abcdef"
READ_TASK = "Read the services, targets, logs, database and certificate"
REPORT_TASK = "Show the environment's health"
VERDICT_TASK = "Fail when a problem was found"
SETTINGS_TASK = "Check the status settings before any AWS call"
# Every call status.yml may make: reads only.
READS = {
    "ecs:DescribeServices", "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth",
    "logs:FilterLogEvents", "logs:DescribeLogGroups", "rds:DescribeDBClusters", "rds:DescribeDBInstances",
    "acm:DescribeCertificate", "secretsmanager:DescribeSecret",   # the secret's rotation record, never its value
}
MINUTE_MS = 60 * 1000


def described(ansible):
    """Everything the emulator holds that status reads, described in full, as one JSON text."""
    ecs, elbv2, logs, rds, acm = (ansible.client(s) for s in ("ecs", "elbv2", "logs", "rds", "acm"))
    target_groups = elbv2.describe_target_groups()["TargetGroups"]
    groups = logs.describe_log_groups()["logGroups"]
    state = {
        "inventory": what_exists(ansible),
        "services": ecs.describe_services(cluster=APP, services=[APP, SCHEDULER])["services"],
        "target groups": target_groups,
        "target health": [elbv2.describe_target_health(TargetGroupArn=g["TargetGroupArn"])["TargetHealthDescriptions"] for g in target_groups],
        "log groups": groups,
        "log events": {g["logGroupName"]: logs.filter_log_events(logGroupName=g["logGroupName"])["events"] for g in groups},
        "db clusters": rds.describe_db_clusters()["DBClusters"],
        "db instances": rds.describe_db_instances()["DBInstances"],
        "certificates": [acm.describe_certificate(CertificateArn=c["CertificateArn"])["Certificate"]
                         for c in acm.list_certificates()["CertificateSummaryList"]],
        "scalable targets": ansible.client("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"],
    }
    return json.dumps(without_clock(state), sort_keys=True, default=str)


# Fields the emulator computes from its clock at each describe (``LatestRestorableTime`` is "now"): they
# change between two reads with nothing in between (the "bad settings" run makes no call at all).
CLOCK_FIELDS = {"LatestRestorableTime"}


def without_clock(value):
    if isinstance(value, dict):
        return {k: without_clock(v) for k, v in value.items() if k not in CLOCK_FIELDS}
    if isinstance(value, list):
        return [without_clock(v) for v in value]
    return value


class StatusRun:
    """One status.yml run through the recording proxy, with the calls it made, the requests the emulator
    served meanwhile and the emulator's state around it."""

    def __init__(self, ansible, recorded, lz, extra_vars=()):
        self.before = described(ansible)   # ansible.client() reads the emulator directly, never recorded
        served = requests_served(ansible.emulator)
        mark = recorded.mark()
        self.run = ansible.playbook("playbooks/status.yml", extra_vars=[lz, {"schedule_task_cleanup_cron": CRON}, *extra_vars])
        self.recorded = recorded.calls(mark)
        self.served = requests_served(ansible.emulator) - served
        self.calls = [f"{call.service}:{call.action}" for call in self.recorded]
        self.mutating = [call for call in self.recorded if call.mutating]
        self.after = described(ansible)

    @property
    def status(self):
        return self.run.result(READ_TASK)

    @property
    def problems(self):
        return self.status["problems"]

    def problem(self, area):
        matches = [p for p in self.problems if p["area"] == area]
        assert len(matches) == 1, self.problems
        return matches[0]

    @property
    def report(self):
        return "\n".join(self.run.result(REPORT_TASK)["msg"])


def make_it_run(ansible, now_ms):
    """What ECS does on AWS and the emulator does not (docs/emulator-gaps.md): a created service reads 0
    running and every task pending until an UpdateService, and no task is registered with the target group.
    So: both services updated to the count they have (the emulator then reports them running), the
    application's one task registered as a target (the emulator reports registered targets healthy), and
    log lines in both groups - 25 within the last hour, one from two hours ago."""
    ecs, elbv2, logs = ansible.client("ecs"), ansible.client("elbv2"), ansible.client("logs")
    for service in (APP, SCHEDULER):
        ecs.update_service(cluster=APP, service=service, desiredCount=1)
    elbv2.register_targets(TargetGroupArn=target_group_arn(ansible), Targets=[TARGET])
    for group in (APP_LOGS, SCHEDULER_LOGS):
        logs.create_log_stream(logGroupName=group, logStreamName=STREAM)
        events = [{"timestamp": now_ms - 120 * MINUTE_MS, "message": "two hours ago"}]
        events += [{"timestamp": now_ms - (50 - 2 * i) * MINUTE_MS, "message": f'{{"level":"info","msg":"line {i}"}}'} for i in range(25)]
        logs.put_log_events(logGroupName=group, logStreamName=STREAM, logEvents=events)


def target_group_arn(ansible):
    return ansible.client("elbv2").describe_target_groups(Names=[TARGET_GROUP])["TargetGroups"][0]["TargetGroupArn"]


@pytest.fixture(scope="module")
def scenario(ansible, ansible_recorded, recorded, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    converge = ansible.playbook("site.yml", extra_vars=[lz, {"schedule_task_cleanup_cron": CRON},
                                                        {"service_desired_count": 1, "service_min_capacity": 1}])
    assert converge.rc == 0, converge
    created = ansible.playbook("playbooks/status.yml", extra_vars=[lz, {"schedule_task_cleanup_cron": CRON}])
    make_it_run(ansible, int(time.time() * 1000))
    ecs, elbv2, logs = ansible.client("ecs"), ansible.client("elbv2"), ansible.client("logs")

    def status(*extra_vars):
        return StatusRun(ansible_recorded, recorded, lz, extra_vars)

    runs = {"as created": created, "healthy": status()}

    ecs.update_service(cluster=APP, service=SCHEDULER, desiredCount=0)
    runs["scheduler scaled to 0"] = status()
    ecs.update_service(cluster=APP, service=SCHEDULER, desiredCount=1)

    elbv2.deregister_targets(TargetGroupArn=target_group_arn(ansible), Targets=[TARGET])
    runs["target deregistered"] = status()
    elbv2.register_targets(TargetGroupArn=target_group_arn(ansible), Targets=[TARGET])

    runs["certificate within min days"] = status({"status_certificate_min_days": 100000})
    runs["scheduler running with the cron unset"] = status({"schedule_task_cleanup_cron": ""})
    runs["bad settings"] = status({"status_log_lines": -1, "status_log_window_minutes": "an hour"})

    logs.delete_log_group(logGroupName=APP_LOGS)   # last: its lines are gone with it
    runs["log group missing"] = status()
    return runs


FAULTS = ["scheduler scaled to 0", "target deregistered", "certificate within min days", "scheduler running with the cron unset",
          "log group missing"]
READING_RUNS = ["healthy"] + FAULTS


# The healthy environment -----------------------------------------------------------------------------

def test_a_healthy_environment_exits_0_and_says_it_is_healthy(scenario):
    run = scenario["healthy"].run
    assert run.rc == 0, run
    assert run.result(VERDICT_TASK)["msg"] == f"{APP} in us-east-1 is healthy: no problem found."
    assert scenario["healthy"].problems == []


def test_status_shows_the_application_service_counts_and_deployment(scenario):
    app = scenario["healthy"].status["application"]
    assert (app["exists"], app["desired"], app["running"], app["pending"]) == (True, 1, 1, 0)
    assert app["task_definition"].endswith(f"task-definition/{APP}:1")
    (deployment,) = app["deployments"]
    assert deployment["status"] == "PRIMARY" and deployment["task_definition"].endswith(f"{APP}:1")
    assert f"Application {APP}: 1 running, 1 desired, 0 pending; {APP}:1" in scenario["healthy"].report


def test_status_shows_the_scheduler_running_its_one_task(scenario):
    scheduler = scenario["healthy"].status["scheduler"]
    assert (scheduler["enabled"], scheduler["exists"], scheduler["desired"], scheduler["running"]) == (True, True, 1, 1)
    assert f"Scheduler   {SCHEDULER}: 1 running, 1 desired, 0 pending; {SCHEDULER}:1 (cron {CRON})" in scenario["healthy"].report


def test_status_shows_the_target_behind_the_load_balancer_healthy(scenario):
    targets = scenario["healthy"].status["targets"]
    assert targets["healthy"] == 1
    assert [(t["id"], t["port"], t["state"]) for t in targets["targets"]] == [(TARGET["Id"], 3000, "healthy")]
    assert targets["health_check_path"] == "/v1/health"


def test_status_shows_the_last_log_lines_of_both_groups_within_the_window_oldest_first(scenario):
    logs = scenario["healthy"].status["logs"]
    for part in ("application", "scheduler"):
        lines = logs[part]["lines"]
        assert len(lines) == 20   # status_log_lines' default, of the 25 lines of the last hour
        assert [line.rsplit('"line ', 1)[1].rstrip('"}') for line in lines] == [str(i) for i in range(5, 25)]
        assert not any("two hours ago" in line for line in lines)
        assert lines[0].split(" ")[1] == STREAM.rsplit("/", 1)[1][:12]
    assert f"Logs        {SCHEDULER_LOGS}: 20 line(s) in the last 60 minutes" in scenario["healthy"].report


def test_status_shows_the_aurora_cluster_its_scaling_and_its_writer(scenario):
    database = scenario["healthy"].status["database"]
    assert (database["status"], database["engine_version"]) == ("available", "17.5")
    assert database["scaling"] == {"min_capacity": 0.5, "max_capacity": 1.0, "seconds_until_auto_pause": None}
    assert [(i["identifier"], i["status"], i["writer"]) for i in database["instances"]] == [(f"{APP}-writer", "available", True)]


def test_status_shows_the_last_and_next_rotation_of_the_credentials(scenario):
    credentials = scenario["healthy"].status["credentials"]
    assert (credentials["exists"], credentials["rotation_days"], credentials["half_done"]) == (True, 30, False)
    assert credentials["days_since"] == 0 and credentials["overdue_days"] == 0
    assert (f"Credentials {APP}-db-credentials: rotated {credentials['last_rotated']} (0 days ago), next due "
            f"{credentials['next_rotation']}") in scenario["healthy"].report


def test_status_shows_the_days_left_on_the_certificate(scenario):
    certificate = scenario["healthy"].status["certificate"]
    assert certificate["status"] == "ISSUED" and certificate["type"] == "IMPORTED"
    assert 3640 < certificate["days_left"] <= 3650   # the landing zone's self-signed certificate is valid ten years
    assert f"{certificate['days_left']} days left" in scenario["healthy"].report


def test_a_service_just_created_on_the_emulator_reads_as_not_running(scenario):
    """Why make_it_run exists: without it the emulator reports both services at 0 running, 1 pending."""
    run = scenario["as created"]
    assert run.rc != 0
    problems = run.result(READ_TASK)["problems"]
    assert {p["problem"] for p in problems} >= {
        f"The application service {APP} runs 0 of 1 task (1 pending).",
        f"The scheduler service {SCHEDULER} runs 0 of 1 task (1 pending).",
    }


# The faults ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_exits_non_zero_with_the_problems_listed_last(scenario, fault):
    status = scenario[fault]
    assert status.run.rc == 2, status.run
    names = [name for name, _ in status.run.results()]
    assert names[-1] == VERDICT_TASK
    message = status.run.failure()
    assert message.startswith(f"{APP} in us-east-1 is not healthy: {len(status.problems)} problem(s).")
    for found in status.problems:
        assert f"- [{found['area']}] {found['problem']}\n  What to do: {found['hint']}" in message


@pytest.mark.parametrize("fault, area", [
    ("scheduler scaled to 0", "scheduler"), ("target deregistered", "targets"), ("certificate within min days", "certificate"),
    ("scheduler running with the cron unset", "scheduler"), ("log group missing", "logs"),
])
def test_each_fault_is_the_one_problem_found(scenario, fault, area):
    assert [p["area"] for p in scenario[fault].problems] == [area]


def test_a_scheduler_scaled_to_0_is_named_with_the_desired_count_hint(scenario):
    found = scenario["scheduler scaled to 0"].problem("scheduler")
    assert found["problem"] == (f"The scheduler service {SCHEDULER} wants 0 tasks (0 running); it must run exactly 1 while "
                                "schedule_task_cleanup_cron is set.")
    assert f"aws ecs describe-services --cluster {APP} --services {SCHEDULER} --region us-east-1" in found["hint"]
    assert "ansible-playbook site.yml --tags scheduler" in found["hint"]


def test_a_deregistered_target_is_named_with_the_target_health_hint(scenario):
    found = scenario["target deregistered"].problem("targets")
    assert found["problem"] == f"The application runs 1 task but {TARGET_GROUP} has 0 targets: 1 running task receives no requests."
    assert f"aws elbv2 describe-target-health --target-group-arn {target_group_arn_of(scenario)} --region us-east-1" in found["hint"]


def target_group_arn_of(scenario):
    return scenario["healthy"].status["targets"]["arn"]


def test_a_missing_log_group_is_named_with_the_converge_hint(scenario):
    status = scenario["log group missing"]
    found = status.problem("logs")
    assert found["problem"].startswith(f"The application's log group {APP_LOGS} does not exist: its tasks cannot start")
    assert "ansible-playbook site.yml --tags compute" in found["hint"]
    assert f"Logs        {APP_LOGS}: does not exist" in status.report


def test_a_certificate_within_status_certificate_min_days_is_named_with_the_renewal_hint(scenario):
    found = scenario["certificate within min days"].problem("certificate")
    assert "status_certificate_min_days is 100000." in found["problem"]
    assert found["hint"].startswith("It is imported, so ACM does not renew it: import the renewed certificate into the same ARN")


def test_a_scheduler_running_while_the_cron_is_unset_is_named(scenario):
    found = scenario["scheduler running with the cron unset"].problem("scheduler")
    assert "while schedule_task_cleanup_cron is not set" in found["problem"]


# Bad settings ----------------------------------------------------------------------------------------

def test_bad_settings_are_refused_by_name_before_any_aws_call(scenario):
    status = scenario["bad settings"]
    assert status.run.rc == 2
    assert [name for name, _ in status.run.results()][-1] == SETTINGS_TASK
    message = status.run.failure()
    assert "status_log_lines is '-1': it must be a whole number from 0 (default 20)." in message
    assert "status_log_window_minutes is 'an hour': it must be a whole number from 1 (default 60)." in message
    assert status.served == 0 and status.calls == []


# Read-only -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", READING_RUNS)
def test_status_makes_no_mutating_call(scenario, name):
    status = scenario[name]
    assert status.calls, "the proxy saw no call"
    assert status.mutating == []


@pytest.mark.parametrize("name", READING_RUNS)
def test_status_makes_only_the_expected_read_calls(scenario, name):
    status = scenario[name]
    assert set(status.calls) <= READS, sorted(set(status.calls) - READS)


@pytest.mark.parametrize("name", READING_RUNS + ["bad settings"])
def test_every_request_the_emulator_served_went_through_the_recording_proxy(scenario, name):
    status = scenario[name]
    assert len(status.recorded) == status.served


@pytest.mark.parametrize("name", READING_RUNS + ["bad settings"])
def test_status_leaves_the_emulator_state_byte_identical(scenario, name):
    status = scenario[name]
    assert status.after == status.before


def test_status_reads_everything_in_about_ten_calls(scenario):
    calls = scenario["healthy"].calls
    assert calls.count("ecs:DescribeServices") == 1   # both services in one call
    assert calls.count("secretsmanager:DescribeSecret") == 1   # the rotation record: one read, added with it (12 calls before)
    assert len(calls) <= 13, calls


def test_the_state_description_would_see_a_change(scenario, ansible):
    """The byte-identical check is not blind: the fault runs' states differ from the healthy one's."""
    assert scenario["scheduler scaled to 0"].before != scenario["healthy"].before
