"""The monitoring role through site.yml against one local AWS endpoint: converge the whole site with the
scheduler on and two e-mail subscribers, rerun, converge `--tags monitoring` alone (the tiers it watches
read, not converged), edit a threshold in check mode, then the new alarms' settings and the error lines' pattern, switch the scheduler off (its alarms go), switch
monitoring off in check mode then for real (every alarm and the topic with its subscribers go), rerun, switch it
on with an existing topic (the alarms notify it, the role makes no topic), and refuse bad inputs before any AWS call. State read with boto3."""

import pytest

from conftest import landing_zone

pytestmark = pytest.mark.integration

APP = "nestjs-playground-dev"
SCHEDULER = "nestjs-playground-scheduler-dev"
TOPIC = f"{APP}-alarms"
TOPIC_ARN = f"arn:aws:sns:us-east-1:123456789012:{TOPIC}"
EMAILS = ["oncall@example.com", "dev@example.com"]
CRON = "0 2 * * *"
TAGS = {"App": "nestjs-playground", "Env": "dev", "OU": "engineering", "Owner": "team@example.com"}
ALARMS_TASK = "Ensure the alarms of the alerting strategy, notifying the topic on ALARM and on OK"
TOPIC_TASK = "Ensure the alarm topic and its e-mail subscribers (none of its own while monitoring_sns_topic_arn names another)"
ALARMS_GONE_TASK = "Ensure none of the alarms exist"
TOPIC_GONE_TASK = "Ensure the alarm topic this role created is deleted, with its subscriptions"
FILTER_TASK = "Ensure the application's error and fatal log lines are counted in its namespace (metric filter)"
FILTER_GONE_TASK = "Ensure the metric filter that counted the application's error lines is deleted"
SCHEDULER_FILTER_TASK = "Ensure the error and fatal log lines of the scheduler are counted in the namespace while it is enabled (metric filter)"
SCHEDULER_FILTER_GONE_TASK = "Ensure the metric filter that counted the scheduler's error lines is deleted"
ERROR_FILTER = f"{APP}-error-logs"
SCHEDULER_ERROR_FILTER = f"{APP}-scheduler-error-logs"
ERROR_PATTERN = '{ ($.level = "error") || ($.level = "fatal") }'
CHECK_TASK = "Check every input before any AWS call"   # site.yml's pre-flight, with every role's inputs
SCHEDULER_ALARMS = {f"{APP}-scheduler-cpu-high", f"{APP}-scheduler-not-running", f"{APP}-scheduler-memory-high", f"{APP}-scheduler-task-exits",
                    f"{APP}-scheduler-error-logs"}
ALL_ALARMS = {f"{APP}-{suffix}" for suffix in ("app-cpu-high", "scheduler-cpu-high", "scheduler-not-running", "alb-unhealthy-targets",
                                               "alb-5xx", "app-5xx", "db-cpu-high", "db-connections-high", "app-memory-high",
                                               "scheduler-memory-high", "app-error-logs", "scheduler-task-exits", "scheduler-error-logs")}
PAGER = "ops-pager"   # an existing topic, made outside Ansible


def observe(ansible):
    cloudwatch, sns, logs = ansible.client("cloudwatch"), ansible.client("sns"), ansible.client("logs")
    alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms()["MetricAlarms"] if a["AlarmName"].startswith(APP)}
    topics = {t["TopicArn"].split(":")[-1]: t["TopicArn"] for t in sns.list_topics()["Topics"]}
    return {
        "alarms": alarms,
        "alarm_tags": {name: {t["Key"]: t["Value"] for t in cloudwatch.list_tags_for_resource(ResourceARN=a["AlarmArn"])["Tags"]}
                       for name, a in alarms.items()},
        "topics": sorted(topics),
        "subscribers": {name: sorted(s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"])
                        for name, arn in topics.items()},
        "topic_tags": {name: {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=arn)["Tags"]}
                       for name, arn in topics.items()},
        "metric_filters": {f["filterName"]: f for f in logs.describe_metric_filters()["metricFilters"]},
    }


@pytest.fixture(scope="module")
def scenario(ansible, ansible_recorded, recorded, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    pager_arn = ansible.client("sns").create_topic(Name=PAGER)["TopicArn"]
    steps = {"pager_arn": pager_arn, "check_writes": {}}
    on = {"schedule_task_cleanup_cron": CRON, "monitoring_alarm_emails": EMAILS}

    def step(name, *extra, tags=None, check=False, expect_rc=0):
        args = ["--tags", tags] if tags else []
        # check-mode runs go through the recording proxy: they must not attempt any write
        mark = recorded.mark()
        run = (ansible_recorded if check else ansible).playbook("site.yml", extra_vars=[lz, *extra], check=check, diff=True, args=args)
        if check:
            steps["check_writes"][name] = recorded.mutating_calls(mark)
        if expect_rc == 0:
            assert run.rc == 0, f"{name}: {run!r}"
        steps[name] = (run, observe(ansible))

    step("converge", on)
    step("rerun", on)
    step("tags_monitoring", on, tags="monitoring")
    step("edit_check", on, {"monitoring_cpu_threshold": 90}, tags="monitoring", check=True)
    step("new_alarms_edit_check", on, {"monitoring_memory_threshold": 90, "monitoring_error_log_filter_pattern": '{ $.level = "error" }',
                                       "monitoring_scheduler_task_exits_minutes": 3, "monitoring_scheduler_error_log_threshold": 0},
         tags="monitoring", check=True)
    off = dict(on, schedule_task_cleanup_cron="")
    step("scheduler_off", off, tags="scheduler,monitoring")
    step("off_check", off, {"monitoring_enabled": False}, tags="monitoring", check=True)
    step("off", off, {"monitoring_enabled": False}, tags="monitoring")
    step("off_again", off, {"monitoring_enabled": False}, tags="monitoring")
    external = dict(off, monitoring_sns_topic_arn=pager_arn, monitoring_alarm_emails=[])
    step("external_topic", external, tags="monitoring")
    step("bad", {"monitoring_alarm_emails": ["oncall@example.com", "not-an-address"], "monitoring_sns_topic_arn": "arn:aws:sns:x",
                 "monitoring_cpu_threshold": 120, "monitoring_memory_threshold": 0, "monitoring_error_log_filter_pattern": "",
                 "monitoring_scheduler_task_exits_minutes": 20, "monitoring_scheduler_error_log_threshold": -1}, expect_rc=None)
    return steps


def services(ansible):
    elbv2 = ansible.client("elbv2")
    (alb,) = elbv2.describe_load_balancers(Names=[f"{APP}-alb"])["LoadBalancers"]
    (group,) = elbv2.describe_target_groups(Names=[f"{APP}-tg"])["TargetGroups"]
    return alb["LoadBalancerArn"].split(":loadbalancer/")[1], group["TargetGroupArn"].split(":")[-1]


def dimensions(alarm):
    return {d["Name"]: d["Value"] for d in alarm["Dimensions"]}


def shape(alarm):
    return (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"],
            alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"], alarm["TreatMissingData"])


def test_converge_creates_every_alarm_of_the_alerting_strategy_and_a_rerun_changes_nothing(scenario):
    run, state = scenario["converge"]
    assert {TOPIC_TASK, ALARMS_TASK} <= set(run.changed_tasks())
    assert set(state["alarms"]) == ALL_ALARMS
    assert scenario["rerun"][0].host_stats()["changed"] == 0, scenario["rerun"][0].changed_tasks()
    assert scenario["rerun"][1] == state


def test_the_service_alarms_watch_the_real_cluster_and_services(scenario):
    alarms = scenario["converge"][1]["alarms"]
    assert shape(alarms[f"{APP}-app-cpu-high"]) == ("AWS/ECS", "CPUUtilization", "Average", "GreaterThanThreshold", 80.0, 60, 5, 5,
                                                    "notBreaching")
    assert dimensions(alarms[f"{APP}-app-cpu-high"]) == {"ClusterName": APP, "ServiceName": APP}
    assert shape(alarms[f"{APP}-scheduler-cpu-high"]) == shape(alarms[f"{APP}-app-cpu-high"])
    assert dimensions(alarms[f"{APP}-scheduler-cpu-high"]) == {"ClusterName": APP, "ServiceName": SCHEDULER}
    # fewer running tasks than the one it wants, for two 5-minute periods; no data at all counts as not running
    assert shape(alarms[f"{APP}-scheduler-not-running"]) == ("ECS/ContainerInsights", "RunningTaskCount", "Maximum", "LessThanThreshold",
                                                             1.0, 300, 2, 2, "breaching")
    assert dimensions(alarms[f"{APP}-scheduler-not-running"]) == {"ClusterName": APP, "ServiceName": SCHEDULER}


def test_the_memory_alarms_watch_both_services_and_the_task_exits_alarm_the_scheduler(scenario):
    alarms = scenario["converge"][1]["alarms"]
    assert shape(alarms[f"{APP}-app-memory-high"]) == ("AWS/ECS", "MemoryUtilization", "Average", "GreaterThanThreshold", 80.0, 60, 5, 5,
                                                       "notBreaching")
    assert dimensions(alarms[f"{APP}-app-memory-high"]) == {"ClusterName": APP, "ServiceName": APP}
    assert shape(alarms[f"{APP}-scheduler-memory-high"]) == shape(alarms[f"{APP}-app-memory-high"])
    assert dimensions(alarms[f"{APP}-scheduler-memory-high"]) == {"ClusterName": APP, "ServiceName": SCHEDULER}
    # fewer running tasks than its one in 2 of the last 15 minutes: an exit and its replacement; silence is the not-running alarm's
    assert shape(alarms[f"{APP}-scheduler-task-exits"]) == ("ECS/ContainerInsights", "RunningTaskCount", "Minimum", "LessThanThreshold",
                                                            1.0, 60, 15, 2, "notBreaching")
    assert dimensions(alarms[f"{APP}-scheduler-task-exits"]) == {"ClusterName": APP, "ServiceName": SCHEDULER}


def test_the_error_lines_of_the_application_s_logs_are_counted_in_its_namespace_and_alarmed_on(scenario):
    state = scenario["converge"][1]
    (error_filter,) = [f for f in state["metric_filters"].values() if f["filterName"] == ERROR_FILTER]
    assert (error_filter["logGroupName"], error_filter["filterPattern"]) == (f"/ecs/{APP}", ERROR_PATTERN)
    (transformation,) = error_filter["metricTransformations"]
    assert {k: transformation.get(k) for k in ("metricNamespace", "metricName", "metricValue", "unit")} == {
        "metricNamespace": "nestjs-playground/dev", "metricName": "ErrorLogEvents", "metricValue": "1", "unit": "Count"}
    alarm = state["alarms"][f"{APP}-app-error-logs"]
    assert shape(alarm) == ("nestjs-playground/dev", "ErrorLogEvents", "Sum", "GreaterThanThreshold", 10.0, 300, 1, 1, "notBreaching")
    assert dimensions(alarm) == {}
    assert FILTER_TASK in scenario["converge"][0].changed_tasks()


def test_the_error_lines_of_the_scheduler_s_logs_are_counted_in_the_namespace_and_alarmed_on_with_their_own_threshold(scenario):
    state = scenario["converge"][1]
    scheduler_filter = state["metric_filters"][SCHEDULER_ERROR_FILTER]
    assert (scheduler_filter["logGroupName"], scheduler_filter["filterPattern"]) == (f"/ecs/{SCHEDULER}", ERROR_PATTERN)
    (transformation,) = scheduler_filter["metricTransformations"]
    assert {k: transformation.get(k) for k in ("metricNamespace", "metricName", "metricValue", "unit")} == {
        "metricNamespace": "nestjs-playground/dev", "metricName": "SchedulerErrorLogEvents", "metricValue": "1", "unit": "Count"}
    alarm = state["alarms"][f"{APP}-scheduler-error-logs"]
    assert shape(alarm) == ("nestjs-playground/dev", "SchedulerErrorLogEvents", "Sum", "GreaterThanThreshold", 5.0, 300, 1, 1,
                            "notBreaching")
    assert dimensions(alarm) == {}
    assert SCHEDULER_FILTER_TASK in scenario["converge"][0].changed_tasks()


def test_an_edit_of_the_new_alarms_and_the_pattern_in_check_mode_shows_them_and_writes_nothing(scenario):
    run, state = scenario["new_alarms_edit_check"]
    assert run.changed_tasks() == [FILTER_TASK, SCHEDULER_FILTER_TASK, ALARMS_TASK]
    for task in (FILTER_TASK, SCHEDULER_FILTER_TASK):   # one pattern for both: the same image and logger
        diff = run.result(task)["diff"]
        assert (diff["before"]["filter_pattern"], diff["after"]["filter_pattern"]) == (ERROR_PATTERN, '{ $.level = "error" }')
    changed = {alarm["name"] for alarm in run.result(ALARMS_TASK)["alarms"] if alarm["changed"]}
    assert changed == {f"{APP}-app-memory-high", f"{APP}-scheduler-memory-high", f"{APP}-scheduler-task-exits",
                       f"{APP}-scheduler-error-logs"}
    alarms = run.result(ALARMS_TASK)["diff"]["after"]
    assert alarms[f"{APP}-scheduler-task-exits"]["datapoints_to_alarm"] == 3
    assert alarms[f"{APP}-scheduler-error-logs"]["threshold"] == 0.0
    assert alarms[f"{APP}-app-memory-high"]["threshold"] == 90.0
    assert state == scenario["converge"][1]
    assert scenario["check_writes"]["new_alarms_edit_check"] == []


def test_the_load_balancer_alarms_watch_the_real_load_balancer_and_target_group(ansible, scenario):
    alarms = scenario["converge"][1]["alarms"]
    load_balancer, target_group = services(ansible)
    assert load_balancer.startswith(f"app/{APP}-alb/") and target_group.startswith(f"targetgroup/{APP}-tg/")
    assert shape(alarms[f"{APP}-alb-unhealthy-targets"]) == ("AWS/ApplicationELB", "UnHealthyHostCount", "Maximum", "GreaterThanThreshold",
                                                             0.0, 60, 5, 3, "notBreaching")
    assert dimensions(alarms[f"{APP}-alb-unhealthy-targets"]) == {"LoadBalancer": load_balancer, "TargetGroup": target_group}
    assert shape(alarms[f"{APP}-alb-5xx"]) == ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum", "GreaterThanThreshold",
                                               10.0, 300, 1, 1, "notBreaching")
    assert dimensions(alarms[f"{APP}-alb-5xx"]) == {"LoadBalancer": load_balancer}
    assert shape(alarms[f"{APP}-app-5xx"])[:2] == ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count")
    assert dimensions(alarms[f"{APP}-app-5xx"]) == {"LoadBalancer": load_balancer, "TargetGroup": target_group}


def test_the_database_alarms_watch_the_real_cluster_s_writer(scenario):
    alarms = scenario["converge"][1]["alarms"]
    writer = {"DBClusterIdentifier": APP, "Role": "WRITER"}
    assert shape(alarms[f"{APP}-db-cpu-high"]) == ("AWS/RDS", "CPUUtilization", "Average", "GreaterThanThreshold", 80.0, 300, 3, 3,
                                                   "notBreaching")
    assert dimensions(alarms[f"{APP}-db-cpu-high"]) == writer
    # 80% of the 189 connections Aurora PostgreSQL allows at the dev maximum of 1 ACU
    assert shape(alarms[f"{APP}-db-connections-high"]) == ("AWS/RDS", "DatabaseConnections", "Maximum", "GreaterThanThreshold", 151.0,
                                                           60, 5, 3, "notBreaching")
    assert dimensions(alarms[f"{APP}-db-connections-high"]) == writer


def test_every_alarm_notifies_the_topic_on_alarm_and_on_ok_and_carries_the_common_tags(scenario):
    state = scenario["converge"][1]
    for name, alarm in state["alarms"].items():
        assert (alarm["AlarmActions"], alarm["OKActions"], alarm["InsufficientDataActions"]) == ([TOPIC_ARN], [TOPIC_ARN], []), name
        assert alarm["AlarmDescription"], name
        assert state["alarm_tags"][name] == TAGS, name


def test_the_topic_mails_the_subscribers_and_carries_the_common_tags(scenario):
    state = scenario["converge"][1]
    assert state["subscribers"][TOPIC] == sorted(EMAILS)
    assert state["topic_tags"][TOPIC] == TAGS


def test_the_summary_names_the_alarms_and_their_topic(scenario):
    lines = scenario["converge"][0].result("Show what the environment is made of")["msg"]
    assert f"Alarms      13 alarms notify {TOPIC_ARN}" in lines


def test_tags_monitoring_reads_the_tiers_it_watches_and_finds_nothing_to_change(scenario):
    run, state = scenario["tags_monitoring"]
    assert run.host_stats()["changed"] == 0, run.changed_tasks()
    ran = [name for name, result in run.results() if not result.get("skipped")]
    assert ALARMS_TASK in ran and "Read the tiers this run does not converge" in ran
    assert not [name for name in ran if name.startswith(("Ensure the encrypted Aurora", "Ensure the Fargate", "Ensure the scheduler"))]
    assert state == scenario["converge"][1]


def test_an_edit_in_check_mode_shows_the_new_threshold_and_writes_nothing(scenario):
    run, state = scenario["edit_check"]
    assert run.changed_tasks() == [ALARMS_TASK]
    diff = run.result(ALARMS_TASK)["diff"]
    assert sorted(diff["after"]) == sorted(ALL_ALARMS)
    changed = {alarm["name"] for alarm in run.result(ALARMS_TASK)["alarms"] if alarm["changed"]}
    assert changed == {f"{APP}-app-cpu-high", f"{APP}-scheduler-cpu-high"}
    assert (diff["before"][f"{APP}-app-cpu-high"]["threshold"], diff["after"][f"{APP}-app-cpu-high"]["threshold"]) == (80.0, 90.0)
    assert state == scenario["converge"][1]
    assert scenario["check_writes"]["edit_check"] == []


def test_switching_the_scheduler_off_removes_its_alarms_only(scenario):
    run, state = scenario["scheduler_off"]
    assert set(state["alarms"]) == ALL_ALARMS - SCHEDULER_ALARMS
    before = scenario["converge"][1]["alarms"]
    assert all(state["alarms"][name] == before[name] for name in state["alarms"])
    removed = {alarm["name"] for alarm in run.result(ALARMS_TASK)["alarms"] if alarm["changed"]}
    assert removed == SCHEDULER_ALARMS
    # the application's filter stays, the scheduler's goes: on AWS with its log group (outside production the
    # scheduler's removal deletes it); the emulator keeps a filter whose log group is gone, and the role deletes it
    # (docs/emulator-gaps.md)
    before = scenario["converge"][1]["metric_filters"]
    assert state["metric_filters"] == {name: f for name, f in before.items() if name != SCHEDULER_ERROR_FILTER}


def test_monitoring_off_in_check_mode_reports_the_removals_and_removes_nothing(scenario):
    run, state = scenario["off_check"]
    assert run.changed_tasks() == [ALARMS_GONE_TASK, FILTER_GONE_TASK, TOPIC_GONE_TASK]
    assert state == scenario["scheduler_off"][1]
    assert scenario["check_writes"]["off_check"] == []


def test_monitoring_off_removes_every_alarm_and_the_topic_with_its_subscriptions(scenario):
    run, state = scenario["off"]
    assert run.changed_tasks() == [ALARMS_GONE_TASK, FILTER_GONE_TASK, TOPIC_GONE_TASK]
    assert state["alarms"] == {}
    assert state["metric_filters"] == {}
    assert state["topics"] == [PAGER]   # someone else's topic is not the role's
    assert scenario["off_again"][0].host_stats()["changed"] == 0, scenario["off_again"][0].changed_tasks()
    assert scenario["off_again"][1] == state
    assert [line for line in run.result("Show what the environment is made of")["msg"] if line.startswith("Alarms")] == [
        "Alarms      (none: monitoring_enabled is false)"]


def test_an_existing_topic_gets_the_alarms_and_the_role_creates_no_topic_of_its_own(scenario):
    run, state = scenario["external_topic"]
    pager_arn = scenario["pager_arn"]
    assert ALARMS_TASK in run.changed_tasks() and TOPIC_TASK not in run.changed_tasks()
    assert set(state["alarms"]) == ALL_ALARMS - SCHEDULER_ALARMS
    for name, alarm in state["alarms"].items():
        assert (alarm["AlarmActions"], alarm["OKActions"]) == ([pager_arn], [pager_arn]), name
    assert state["topics"] == [PAGER]
    assert state["subscribers"][PAGER] == [] and state["topic_tags"][PAGER] == {}   # someone else's: left as it was


def test_bad_monitoring_inputs_stop_the_run_before_any_aws_call_naming_each_problem(scenario):
    run, state = scenario["bad"]
    assert run.rc != 0
    message = run.failure()
    assert "monitoring_sns_topic_arn 'arn:aws:sns:x' is not valid: it must be the ARN of a standard SNS topic" in message
    assert "monitoring_alarm_emails holds 'not-an-address', which is not valid: it must list e-mail addresses" in message
    assert "monitoring_alarm_emails (oncall@example.com, not-an-address) is not valid with monitoring_sns_topic_arn" in message
    assert "monitoring_cpu_threshold '120' is not valid: it must be a percentage above 0 and below 100." in message
    assert "monitoring_memory_threshold '0' is not valid: it must be a percentage above 0 and below 100." in message
    assert "monitoring_error_log_filter_pattern '' is not valid: an empty pattern counts every log line" in message
    assert "monitoring_scheduler_error_log_threshold '-1' is not valid: it must be a whole number of error lines" in message
    assert ("monitoring_scheduler_task_exits_minutes '20' is not valid: it must be a whole number of minutes from 1 to "
            "monitoring_scheduler_task_exits_window_minutes (15).") in message
    ran = [name for name, _ in run.results()]
    assert ran[-1] == CHECK_TASK
    # nothing after the pre-flight: no import of the network, no read of the tiers, nothing ensured
    assert not [name for name in ran if name.startswith(("Ensure", "Import", "Read the tiers", "Publish"))], ran
    assert state == scenario["external_topic"][1]
