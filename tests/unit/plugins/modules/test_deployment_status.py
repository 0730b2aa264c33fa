import datetime

import pytest

from ansible_collections.nestjs_playground.infra.plugins.module_utils.deployment import certificate_summary
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import Commands
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import application_notes
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import application_problems
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import certificate_problems
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import certificate_report
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import credentials_problems
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import credentials_report
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import database_problems
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import database_report
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import days_left
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import last_lines
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import log_line
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import log_problems
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import log_report
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import log_slices
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import read_log_lines
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import read_report
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import scheduler_problems
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import service_report
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import status_notes
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import status_problems
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import target_problems
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_status import target_report

REGION = "eu-west-1"
CLUSTER = "app-dev"
APP = "app-dev"
SCHEDULER = "app-scheduler-dev"
APP_LOGS = "/ecs/app-dev"
SCHEDULER_LOGS = "/ecs/app-scheduler-dev"
TG = "app-dev-tg"
TG_ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/app-dev-tg/0123456789abcdef"
CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-0000-4000-8000-000000000000"
NOW = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.timezone.utc)
MINUTE = 60 * 1000
COMMANDS = Commands(REGION)


def ecs_service(name=APP, desired=1, running=1, pending=0, status="ACTIVE", deployments=None, events=()):
    return {
        "serviceName": name, "status": status, "desiredCount": desired, "runningCount": running, "pendingCount": pending,
        "taskDefinition": f"arn:aws:ecs:{REGION}:123456789012:task-definition/{name}:7",
        "deployments": deployments if deployments is not None else [
            {"status": "PRIMARY", "rolloutState": "COMPLETED", "taskDefinition": f"{name}:7", "desiredCount": desired,
             "runningCount": running, "pendingCount": pending, "failedTasks": 0, "updatedAt": NOW}],
        "events": [{"createdAt": NOW, "message": message} for message in events],
    }


def app_report(**kwargs):
    return service_report(CLUSTER, APP, ecs_service(**kwargs))


def scheduler_report(enabled=True, service=None, **kwargs):
    described = service if service is not None else ecs_service(name=SCHEDULER, **kwargs)
    return dict(service_report(CLUSTER, SCHEDULER, described or None), enabled=enabled)


def health(*states):
    """Target health descriptions, one per (state, reason, description) or state."""
    out = []
    for i, state in enumerate(states):
        state, reason, description = state if isinstance(state, tuple) else (state, None, None)
        target_health = {"State": state}
        if reason:
            target_health.update(Reason=reason, Description=description)
        out.append({"Target": {"Id": f"10.0.10.{10 + i}", "Port": 3000}, "TargetHealth": target_health})
    return out


TARGET_GROUP = {"TargetGroupArn": TG_ARN, "HealthCheckPath": "/v1/health", "HealthCheckPort": "traffic-port", "Port": 3000}


def targets(*states):
    return target_report(TG, TARGET_GROUP, health(*states))


def areas(problems):
    return [p["area"] for p in problems]


# log_slices, last_lines ---------------------------------------------------------------------------

def test_log_slices_cover_the_window_backwards_from_now_each_four_times_the_last():
    assert log_slices(0, 60 * MINUTE) == [(55 * MINUTE, 60 * MINUTE), (35 * MINUTE, 55 * MINUTE), (0, 35 * MINUTE)]


def test_log_slices_of_a_window_shorter_than_the_first_slice_is_the_window():
    assert log_slices(10, 2 * MINUTE) == [(10, 2 * MINUTE)]


@pytest.mark.parametrize("window_minutes", [1, 5, 6, 60, 1440, 10080])
def test_log_slices_are_contiguous_and_cover_exactly_the_window(window_minutes):
    end = 10 ** 12
    slices = log_slices(end - window_minutes * MINUTE, end)
    assert slices[0][1] == end and slices[-1][0] == end - window_minutes * MINUTE
    assert all(newer[0] == older[1] for newer, older in zip(slices, slices[1:]))
    assert len(slices) <= 8   # a week in 8 queries at most


def event(minute, message, stream="app/app/0123456789abcdef0123"):
    return {"timestamp": int(NOW.timestamp() * 1000) + minute * MINUTE, "message": message, "logStreamName": stream}


def test_last_lines_keeps_the_newest_oldest_first_across_streams():
    events = [event(-5, "a5", "app/app/aaa"), event(-1, "a1", "app/app/aaa"), event(-3, "b3", "app/app/bbb"), event(-2, "b2", "app/app/bbb")]
    assert [line.split(" ", 2)[2] for line in last_lines(events, 3)] == ["b3", "b2", "a1"]


def test_last_lines_of_zero_is_none():
    assert last_lines([event(-1, "x")], 0) == []


def test_a_log_line_shows_the_utc_time_the_task_id_and_the_message_without_its_newline():
    assert log_line(event(0, "started\n")) == "2026-11-29T12:00:00Z 0123456789ab started"


def test_a_long_log_line_is_cut():
    line = log_line(event(0, "x" * 2000))
    assert line.endswith("x...") and len(line) < 600


class FakeReader:
    """Answers the reads from dicts and counts the calls."""

    def __init__(self, logs=None, services=None, target_group=TARGET_GROUP, target_health=(), cluster=None, instances=(),
                 certificate=None):
        self.logs = logs or {}
        self.services = services or {}
        self._target_group, self._target_health = target_group, list(target_health)
        self._cluster, self._instances, self._certificate = cluster, list(instances), certificate
        self.calls = []

    def log_events(self, group, start, end):
        self.calls.append(("log_events", group, start, end))
        if group not in self.logs:
            return None
        return [e for e in self.logs[group] if start <= e["timestamp"] < end]

    def log_group_exists(self, group):
        self.calls.append(("log_group_exists", group))
        return group in self.logs

    def ecs_services(self, cluster, names):
        self.calls.append(("ecs_services", cluster, tuple(names)))
        return {name: self.services[name] for name in names if name in self.services}

    def target_group(self, name):
        self.calls.append(("target_group", name))
        return self._target_group

    def target_health(self, arn):
        self.calls.append(("target_health", arn))
        return self._target_health

    def db_cluster(self, identifier):
        self.calls.append(("db_cluster", identifier))
        return self._cluster

    def db_instances(self, identifier):
        self.calls.append(("db_instances", identifier))
        return self._instances

    def certificate(self, arn):
        self.calls.append(("certificate", arn))
        return self._certificate


NOW_MS = int(NOW.timestamp() * 1000)


def test_a_busy_log_is_read_with_one_query_of_the_last_five_minutes():
    reader = FakeReader(logs={APP_LOGS: [event(-m / 10.0, f"m{m}") for m in range(600)]})
    lines = read_log_lines(reader, APP_LOGS, NOW_MS, 60, 20)
    assert len(reader.calls) == 1 and len(lines) == 20
    assert lines[-1].endswith("m0")


def test_a_quiet_log_is_read_back_to_the_start_of_the_window_and_no_further():
    reader = FakeReader(logs={APP_LOGS: [event(-50, "old but in the window"), event(-2, "recent"), event(-90, "too old")]})
    lines = read_log_lines(reader, APP_LOGS, NOW_MS, 60, 20)
    assert [line.split(" ", 2)[2] for line in lines] == ["old but in the window", "recent"]
    assert len(reader.calls) == 3


def test_a_missing_log_group_reads_as_none_after_one_query():
    reader = FakeReader()
    assert read_log_lines(reader, APP_LOGS, NOW_MS, 60, 20) is None
    assert len(reader.calls) == 1


def test_zero_log_lines_only_checks_that_the_group_exists():
    reader = FakeReader(logs={APP_LOGS: [event(-1, "x")]})
    assert read_log_lines(reader, APP_LOGS, NOW_MS, 60, 0) == []
    assert reader.calls == [("log_group_exists", APP_LOGS)]


PARAMS = {
    "application": {"cluster": CLUSTER, "service": APP, "target_group": TG, "log_group": APP_LOGS},
    "scheduler": {"cluster": CLUSTER, "service": SCHEDULER, "log_group": SCHEDULER_LOGS, "enabled": True, "cron": "0 2 * * *"},
    "database": {"cluster_identifier": "app-dev", "read_replica": False},
    "certificate": {"arn": CERT, "min_days": 30},
    "log_window_minutes": 60, "log_lines": 20, "service_events": 5,
}
DB_CLUSTER = {"Status": "available", "EngineVersion": "17.5",
              "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 1.0},
              "DBClusterMembers": [{"DBInstanceIdentifier": "app-dev-writer", "IsClusterWriter": True}]}
WRITER = {"DBInstanceIdentifier": "app-dev-writer", "DBInstanceStatus": "available", "DBInstanceClass": "db.serverless"}
CERTIFICATE = {"status": "ISSUED", "type": "AMAZON_ISSUED", "domain_name": "api.example.com", "subject_alternative_names": [],
               "not_after": "2027-06-01T00:00:00+00:00", "renewal_status": None}


def healthy_reader():
    return FakeReader(
        logs={APP_LOGS: [event(-1, "up")], SCHEDULER_LOGS: [event(-1, "tick")]},
        services={APP: ecs_service(), SCHEDULER: ecs_service(name=SCHEDULER)},
        target_health=health("healthy"), cluster=DB_CLUSTER, instances=[WRITER], certificate=CERTIFICATE,
    )


def test_read_report_describes_both_services_in_one_call():
    reader = healthy_reader()
    read_report(reader, PARAMS, NOW)
    assert [c for c in reader.calls if c[0] == "ecs_services"] == [("ecs_services", CLUSTER, (APP, SCHEDULER))]


def test_a_healthy_deployment_has_no_problem():
    report = read_report(healthy_reader(), PARAMS, NOW)
    assert status_problems(report, PARAMS, REGION) == []
    assert report["certificate"]["days_left"] == 183   # 2026-11-29 noon to 2027-06-01: 183.5 days
    assert report["logs"]["scheduler"]["lines"][0].endswith("tick")


def test_read_report_reads_only_the_tiers_it_is_given():
    reader = FakeReader(certificate=CERTIFICATE)
    params = dict(PARAMS, application=None, scheduler=None, database=None)
    assert set(read_report(reader, params, NOW)) == {"certificate"}
    assert reader.calls == [("certificate", CERT)]


def test_without_a_target_group_its_health_is_not_read():
    reader = healthy_reader()
    reader._target_group = None
    report = read_report(reader, PARAMS, NOW)
    assert not report["targets"]["exists"]
    assert not [c for c in reader.calls if c[0] == "target_health"]


# application ---------------------------------------------------------------------------------------

def test_an_application_running_what_it_wants_has_no_problem():
    assert application_problems(app_report(), APP_LOGS, COMMANDS) == []


def test_an_application_running_fewer_tasks_than_it_wants_is_a_problem_with_the_startup_hint():
    (found,) = application_problems(app_report(desired=2, running=1, pending=1, events=("(service app-dev) is unable to start",)),
                                    APP_LOGS, COMMANDS)
    assert found["area"] == "application"
    assert "runs 1 of 2 tasks (1 pending)" in found["problem"]
    assert "Last event: (service app-dev) is unable to start" in found["problem"]
    assert f"aws ecs describe-services --cluster {CLUSTER} --services {APP} --region {REGION}" in found["hint"]
    assert f"aws logs filter-log-events --log-group-name {APP_LOGS}" in found["hint"]
    assert "database" in found["hint"]


def test_a_missing_application_service_is_a_problem_that_says_to_converge_compute():
    (found,) = application_problems(service_report(CLUSTER, APP, None), APP_LOGS, COMMANDS)
    assert "does not exist in the ECS cluster app-dev." in found["problem"]
    assert "--tags compute" in found["hint"]


def test_a_draining_application_service_does_not_exist_and_says_so():
    (found,) = application_problems(app_report(status="DRAINING"), APP_LOGS, COMMANDS)
    assert "(it is DRAINING)" in found["problem"]


def test_a_failed_deployment_is_a_problem_naming_the_circuit_breaker():
    failed = [{"status": "PRIMARY", "rolloutState": "FAILED", "rolloutStateReason": "ECS deployment circuit breaker: tasks failed to start.",
               "taskDefinition": "app-dev:8", "failedTasks": 3}]
    (found,) = application_problems(app_report(deployments=failed), APP_LOGS, COMMANDS)
    assert "app-dev:8 failed (3 failed tasks): ECS deployment circuit breaker" in found["problem"]
    assert "--desired-status STOPPED" in found["hint"]


def test_an_application_scaled_to_zero_is_a_note_not_a_problem():
    report = app_report(desired=0, running=0)
    assert application_problems(report, APP_LOGS, COMMANDS) == []
    (note,) = application_notes(report)
    assert "desired count 0" in note


def test_a_rolling_deployment_is_a_note():
    deployments = [{"status": "PRIMARY", "rolloutState": "IN_PROGRESS", "taskDefinition": "app-dev:8"},
                   {"status": "ACTIVE", "rolloutState": "COMPLETED", "taskDefinition": "app-dev:7"}]
    assert application_notes(app_report(deployments=deployments)) == ["A deployment of app-dev to app-dev:8 is in progress."]


def test_service_report_keeps_the_last_events_asked_for_newest_first():
    report = service_report(CLUSTER, APP, ecs_service(events=("newest", "older", "oldest")), events=2)
    assert [e["message"] for e in report["events"]] == ["newest", "older"]
    assert report["events"][0]["at"] == NOW.isoformat()


# targets -----------------------------------------------------------------------------------------

def test_every_running_task_a_healthy_target_is_no_problem():
    assert target_problems(targets("healthy", "healthy"), app_report(desired=2, running=2), COMMANDS) == []


def test_registering_and_draining_targets_are_no_problem():
    assert target_problems(targets("initial", "healthy", "draining"), app_report(desired=2, running=2), COMMANDS) == []


def test_an_unhealthy_target_is_a_problem_with_its_reason_and_the_health_check_hint():
    report = targets("healthy", ("unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [502]"))
    (found,) = target_problems(report, app_report(desired=2, running=2), COMMANDS)
    assert found["problem"] == (f"Target 10.0.10.11:3000 of {TG} is unhealthy "
                                "(Target.ResponseCodeMismatch: Health checks failed with these codes: [502]).")
    assert "/v1/health answers with 200 on port 3000" in found["hint"]
    assert "security group" in found["hint"]
    assert f"aws elbv2 describe-target-health --target-group-arn {TG_ARN} --region {REGION}" in found["hint"]


def test_a_running_task_that_is_no_target_is_a_problem():
    (found,) = target_problems(targets("healthy"), app_report(desired=2, running=2), COMMANDS)
    assert found["problem"] == (f"The application runs 2 tasks but {TG} has 1 target: "
                                "1 running task receives no requests.")
    assert "--force-new-deployment" in found["hint"]


def test_an_unhealthy_target_is_not_also_counted_as_a_missing_one():
    found = target_problems(targets("healthy", "unhealthy"), app_report(desired=2, running=2), COMMANDS)
    assert [p["problem"].split(" ", 1)[0] for p in found] == ["Target"]


def test_no_target_is_expected_of_an_application_scaled_to_zero():
    assert target_problems(targets(), app_report(desired=0, running=0), COMMANDS) == []


def test_a_missing_target_group_is_a_problem():
    (found,) = target_problems(target_report(TG, None, []), app_report(), COMMANDS)
    assert found["problem"].startswith(f"The target group {TG} does not exist")


# scheduler ---------------------------------------------------------------------------------------

def test_an_enabled_scheduler_running_one_task_is_no_problem():
    assert scheduler_problems(scheduler_report(), "0 2 * * *", SCHEDULER_LOGS, COMMANDS) == []


def test_an_enabled_scheduler_scaled_to_zero_is_a_problem_with_the_desired_count_hint():
    (found,) = scheduler_problems(scheduler_report(desired=0, running=0), "0 2 * * *", SCHEDULER_LOGS, COMMANDS)
    assert found["area"] == "scheduler"
    assert found["problem"] == (f"The scheduler service {SCHEDULER} wants 0 tasks (0 running); it must run exactly 1 while "
                                "schedule_task_cleanup_cron is set.")
    assert "should be 1 when the scheduler is enabled and 0 when it is disabled" in found["hint"]
    assert f"--services {SCHEDULER}" in found["hint"] and "--tags scheduler" in found["hint"]


def test_an_enabled_scheduler_not_running_its_task_is_a_problem_pointing_at_its_own_log_group():
    (found,) = scheduler_problems(scheduler_report(desired=1, running=0, pending=1), "0 2 * * *", SCHEDULER_LOGS, COMMANDS)
    assert "runs 0 of 1 task (1 pending)" in found["problem"]
    assert f"--log-group-name {SCHEDULER_LOGS}" in found["hint"]


def test_an_enabled_scheduler_without_service_is_a_problem_quoting_the_cron():
    (found,) = scheduler_problems(scheduler_report(service={}), "0 2 * * *", SCHEDULER_LOGS, COMMANDS)
    assert "schedule_task_cleanup_cron is set ('0 2 * * *') but the scheduler service" in found["problem"]
    assert "cron expression" in found["hint"]


def test_a_disabled_scheduler_that_still_runs_is_a_problem():
    (found,) = scheduler_problems(scheduler_report(enabled=False), None, SCHEDULER_LOGS, COMMANDS)
    assert "while schedule_task_cleanup_cron is not set" in found["problem"]
    assert "CDK_SCHEDULE_TASK_CLEANUP_CRON" in found["hint"]


@pytest.mark.parametrize("service", [{}, ecs_service(name=SCHEDULER, desired=0, running=0)], ids=["absent", "zero"])
def test_a_disabled_scheduler_absent_or_at_zero_is_no_problem(service):
    assert scheduler_problems(scheduler_report(enabled=False, service=service), None, SCHEDULER_LOGS, COMMANDS) == []


def test_a_disabled_absent_scheduler_is_noted():
    report = {"scheduler": scheduler_report(enabled=False, service={})}
    assert status_notes(report) == ["The scheduler is off (schedule_task_cleanup_cron is not set) and its service does not exist, as expected."]


# logs ----------------------------------------------------------------------------------------------

def test_a_missing_application_log_group_is_a_problem():
    logs = {"application": log_report(APP_LOGS, 60, None), "scheduler": log_report(SCHEDULER_LOGS, 60, [])}
    (found,) = log_problems(logs, True, True)
    assert found["problem"].startswith(f"The application's log group {APP_LOGS} does not exist")
    assert "--tags compute" in found["hint"]


def test_a_missing_scheduler_log_group_is_a_problem_only_while_the_scheduler_is_enabled():
    logs = {"application": log_report(APP_LOGS, 60, []), "scheduler": log_report(SCHEDULER_LOGS, 60, None)}
    assert areas(log_problems(logs, True, True)) == ["logs"]
    assert log_problems(logs, True, False) == []


# database ------------------------------------------------------------------------------------------

def test_an_available_cluster_with_its_writer_is_no_problem():
    assert database_problems(database_report("app-dev", DB_CLUSTER, [WRITER]), False, COMMANDS) == []


def test_a_missing_cluster_is_one_problem():
    (found,) = database_problems(database_report("app-dev", None, []), False, COMMANDS)
    assert found["problem"] == "The Aurora cluster app-dev does not exist." and "--tags database" in found["hint"]


def test_a_cluster_that_is_not_available_is_a_problem_with_its_events_command():
    cluster = dict(DB_CLUSTER, Status="stopped")
    (found,) = database_problems(database_report("app-dev", cluster, [WRITER]), False, COMMANDS)
    assert found["problem"] == "The Aurora cluster app-dev is stopped, not available."
    assert "aws rds describe-events --source-type db-cluster --source-identifier app-dev" in found["hint"]


def test_a_backing_up_cluster_is_no_problem():
    assert database_problems(database_report("app-dev", dict(DB_CLUSTER, Status="backing-up"), [WRITER]), False, COMMANDS) == []


def test_a_cluster_without_writer_or_expected_reader_or_scaling_says_each():
    cluster = dict(DB_CLUSTER, DBClusterMembers=[], ServerlessV2ScalingConfiguration=None)
    found = database_problems(database_report("app-dev", cluster, []), True, COMMANDS)
    assert [p["problem"].split(" has ", 1)[1] for p in found] == [
        "no Serverless v2 scaling configuration: its db.serverless instances cannot run.",
        "no writer instance.",
        "no reader instance (DB_HOST_READ_ONLY reaches the writer).",
    ]


def test_an_instance_that_is_not_available_is_a_problem():
    (found,) = database_problems(database_report("app-dev", DB_CLUSTER, [dict(WRITER, DBInstanceStatus="failed")]), False, COMMANDS)
    assert found["problem"] == "The writer instance app-dev-writer of app-dev is failed, not available."


def test_database_report_shows_the_scaling_and_which_instance_writes():
    report = database_report("app-dev", dict(DB_CLUSTER, ServerlessV2ScalingConfiguration={"MinCapacity": 0, "MaxCapacity": 4,
                                                                                          "SecondsUntilAutoPause": 300}),
                             [WRITER, {"DBInstanceIdentifier": "app-dev-reader", "DBInstanceStatus": "available"}])
    assert report["scaling"] == {"min_capacity": 0, "max_capacity": 4, "seconds_until_auto_pause": 300}
    assert [(i["identifier"], i["writer"]) for i in report["instances"]] == [("app-dev-reader", False), ("app-dev-writer", True)]


# certificate ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("not_after, expected", [
    ("2026-12-29T12:00:00+00:00", 30), ("2026-12-29T11:59:59+00:00", 29), ("2026-11-28T12:00:00+00:00", -1),
    ("2026-12-01T12:00:00", 2), (None, None),
])
def test_days_left_counts_whole_days_rounded_down(not_after, expected):
    assert days_left(not_after, NOW) == expected


def cert_report(not_after="2027-06-01T00:00:00+00:00", min_days=30, **fields):
    return certificate_report(CERT, dict(CERTIFICATE, not_after=not_after, **fields), min_days, NOW)


def test_a_certificate_valid_longer_than_min_days_is_no_problem():
    assert certificate_problems(cert_report(), REGION, COMMANDS) == []


def test_a_certificate_expiring_within_min_days_is_a_problem_with_the_renewal_hint():
    (found,) = certificate_problems(cert_report("2026-12-19T12:00:00+00:00"), REGION, COMMANDS)
    assert found["problem"] == (f"The certificate {CERT} (api.example.com) expires in 20 days (on 2026-12-19T12:00:00+00:00); "
                                "status_certificate_min_days is 30.")
    assert "renews a certificate it issued itself" in found["hint"]
    assert f"aws acm describe-certificate --certificate-arn {CERT} --region {REGION}" in found["hint"]


def test_an_imported_certificate_expiring_says_to_import_it_again():
    (found,) = certificate_problems(cert_report("2026-12-19T12:00:00+00:00", type="IMPORTED"), REGION, COMMANDS)
    assert f"aws acm import-certificate --certificate-arn {CERT}" in found["hint"]


def test_an_expired_certificate_says_how_long_ago():
    (found,) = certificate_problems(cert_report("2026-11-26T12:00:00+00:00"), REGION, COMMANDS)
    assert "expired 3 days ago" in found["problem"]


def test_min_days_zero_accepts_any_certificate_not_yet_expired():
    assert certificate_problems(cert_report("2026-11-30T12:00:00+00:00", min_days=0), REGION, COMMANDS) == []


def test_a_certificate_that_is_not_issued_is_a_problem():
    (found,) = certificate_problems(cert_report(status="PENDING_VALIDATION"), REGION, COMMANDS)
    assert "is PENDING_VALIDATION, not ISSUED" in found["problem"]


def test_a_missing_certificate_is_a_problem():
    (found,) = certificate_problems(certificate_report(CERT, None, 30, NOW), REGION, COMMANDS)
    assert found["problem"] == f"The certificate {CERT} does not exist in {REGION}: the HTTPS listener cannot serve it."


def test_certificate_summary_keeps_status_type_names_expiry_and_renewal():
    summary = certificate_summary({"Status": "ISSUED", "Type": "AMAZON_ISSUED", "DomainName": "api.example.com",
                                   "SubjectAlternativeNames": ["api.example.com"], "NotAfter": NOW,
                                   "RenewalSummary": {"RenewalStatus": "PENDING_AUTO_RENEWAL"}})
    assert summary == {"status": "ISSUED", "type": "AMAZON_ISSUED", "domain_name": "api.example.com",
                       "subject_alternative_names": ["api.example.com"], "not_after": "2026-11-29T12:00:00+00:00",
                       "renewal_status": "PENDING_AUTO_RENEWAL"}


# every area at once --------------------------------------------------------------------------------

def test_problems_come_most_basic_tier_first_each_with_a_hint():
    reader = FakeReader(
        logs={SCHEDULER_LOGS: []},
        services={APP: ecs_service(desired=1, running=0, pending=1), SCHEDULER: ecs_service(name=SCHEDULER, desired=0, running=0)},
        target_health=health(("unhealthy", "Target.Timeout", "Request timed out")),
        cluster=dict(DB_CLUSTER, Status="stopped"), instances=[WRITER],
        certificate=dict(CERTIFICATE, not_after="2026-12-01T00:00:00+00:00"),
    )
    found = status_problems(read_report(reader, PARAMS, NOW), PARAMS, REGION)
    assert areas(found) == ["database", "application", "targets", "scheduler", "logs", "certificate"]
    assert all(p["hint"] for p in found)


# Credentials rotation -------------------------------------------------------------------------------

ROTATION_NOW = datetime.datetime(2026, 12, 4, 3, 0, tzinfo=datetime.timezone.utc)


def described_secret(rotated_at=None, stages=None, created_days_ago=40):
    """DescribeSecret as AWS answers it (tags, stages, creation date; never the value)."""
    tags = [{"Key": "CredentialsRotatedAt", "Value": rotated_at}] if rotated_at else []
    return {"Name": "app-dev-db-credentials", "Tags": tags, "VersionIdsToStages": stages or {"v1": ["AWSCURRENT"]},
            "CreatedDate": ROTATION_NOW - datetime.timedelta(days=created_days_ago)}


def test_credentials_show_the_last_and_next_rotation_and_no_problem_when_on_time():
    report = credentials_report("app-dev-db-credentials", described_secret("2026-11-20T03:00:00+00:00"), 30, ROTATION_NOW)
    assert report == {"secret": "app-dev-db-credentials", "exists": True, "last_rotated": "2026-11-20T03:00:00+00:00",
                      "next_rotation": "2026-12-20T03:00:00+00:00", "rotation_days": 30, "days_since": 14, "overdue_days": 0,
                      "half_done": False, "version_id": "v1"}
    assert credentials_problems(report) == []


def test_a_rotation_more_than_a_day_late_names_the_schedule_and_the_command():
    report = credentials_report("app-dev-db-credentials", described_secret(created_days_ago=40), 30, ROTATION_NOW)
    (found,) = credentials_problems(report)
    assert found["area"] == "credentials"
    assert "(40 days ago): the rotation due every 30 days is 10 day(s) late." in found["problem"]
    assert "rotate-db-credentials-daily" in found["hint"] and "playbooks/rotate_db_credentials.yml" in found["hint"]


def test_a_rotation_left_unfinished_is_a_problem_with_the_rerun_as_its_hint():
    report = credentials_report("app-dev-db-credentials", described_secret(
        "2026-12-01T03:00:00+00:00", stages={"v1": ["AWSCURRENT"], "v2": ["AWSPENDING"]}), 30, ROTATION_NOW)
    (found,) = credentials_problems(report)
    assert "left unfinished" in found["problem"] and found["hint"].startswith("Rerun the rotation")


def test_rotation_off_is_a_note_not_a_problem_and_a_missing_secret_is_a_problem():
    off = credentials_report("app-dev-db-credentials", described_secret(created_days_ago=400), 0, ROTATION_NOW)
    assert off["next_rotation"] is None and credentials_problems(off) == []
    assert any("Credential rotation is off" in note for note in status_notes({"credentials": off}))
    missing = credentials_report("app-dev-db-credentials", None, 30, ROTATION_NOW)
    assert credentials_problems(missing)[0]["problem"] == "The credentials secret app-dev-db-credentials does not exist."
