"""The input rules of every role, as the pre-flight check applies them: one problem per bad input, each
naming the variable, its value and what is allowed; all problems at once."""

import pytest

from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.inputs import ROLES
from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.inputs import input_problems
from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.inputs import known_regions
from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.inputs import load_specs
from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.inputs import reads_as_production

SPECS = load_specs()

# Every input as the dev inventory and the role defaults give it, templated (what the lookup passes).
VALID = {
    "app_name": "nestjs-playground", "environment_name": "dev", "aws_region": "us-east-1", "aws_account_id": "",
    "jwt_secret_parameter_name": "/nestjs-playground/jwt-secret", "app_version": "latest", "app_logging_level": "info",
    "schedule_task_cleanup_cron": "0 2 * * *", "scheduler_enabled": True,
    "tag_app": "nestjs-playground", "tag_env": "dev", "tag_ou": "engineering", "tag_owner": "team@example.com",
    "vpc_id": "vpc-0123456789abcdef0", "hosted_zone_id": "Z1234567890ABC", "hosted_zone_name": "example.com",
    "domain_name": "nestjs-playground-api",
    "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0b5c7a1e-2f4d-4b7e-9c1a-0d2e3f4a5b6c",
    "database_name": "nestjs_playground", "database_username": "postgres", "database_min_capacity": 0.5,
    "database_max_capacity": 1, "database_read_replica": False, "database_seconds_until_auto_pause": 300,
    "database_engine_version": "17.5", "database_port": 5432, "database_backup_retention_days": 1,
    "database_credentials_rotation_days": 30,
    "database_deletion_protection": False, "database_cluster_identifier": "nestjs-playground-dev",
    "ecr_repository_name": "nestjs-playground", "ecr_untagged_image_expiry_days": 14, "ecr_scan_on_push": True,
    "ecr_image_tag_mutability": "MUTABLE",
    "app_port": 3000, "app_cors_allowed_origin": "*", "app_jwt_expires_in": "1h", "task_memory_mb": 512,
    "task_cpu_units": 256, "service_desired_count": 0, "service_min_capacity": 0, "service_max_capacity": 2,
    "service_cpu_target_utilization": 50, "service_log_retention_days": 7, "alb_name": "nestjs-playground-dev-alb",
    "alb_target_group_name": "nestjs-playground-dev-tg", "ecs_cluster_name": "nestjs-playground-dev",
    "ecs_execution_role_name": "nestjs-playground-dev-execution", "ecs_task_role_name": "nestjs-playground-dev-task",
    "scheduler_task_memory_mb": 512, "scheduler_task_cpu_units": 256, "scheduler_log_retention_days": 7,
    "scheduler_execution_role_name": "nestjs-playground-scheduler-dev-execution",
    "scheduler_task_role_name": "nestjs-playground-scheduler-dev-task",
    "database_cluster_parameters": {"log_min_duration_statement": 500, "rds.force_ssl": 1},
    "database_snapshot_copy_region": "us-west-2", "database_snapshot_copy_keep": 7,
    "database_cluster_parameter_group_name": "nestjs-playground-dev",
    "xray_enabled": True, "xray_daemon_image": "public.ecr.aws/xray/aws-xray-daemon:3.x", "xray_daemon_cpu_units": 32,
    "xray_daemon_memory_mb": 64,
    "vpc_flow_logs_enabled": True, "vpc_flow_logs_traffic_type": "ALL", "vpc_flow_logs_max_aggregation_interval": 600,
    "vpc_flow_logs_retention_days": 7, "vpc_flow_logs_role_name": "nestjs-playground-dev-flow-logs",
    "monitoring_enabled": True, "monitoring_sns_topic_arn": "", "monitoring_alarm_emails": ["oncall@example.com"],
    "monitoring_sns_topic_name": "nestjs-playground-dev-alarms", "monitoring_cpu_threshold": 80, "monitoring_database_cpu_threshold": 80,
    "monitoring_database_connections_threshold": "151", "monitoring_http_5xx_threshold": 10,
    "monitoring_memory_threshold": 80, "monitoring_error_log_threshold": 10, "monitoring_error_log_period_minutes": 5,
    "monitoring_scheduler_error_log_threshold": 5,
    "monitoring_error_log_filter_pattern": '{ ($.level = "error") || ($.level = "fatal") }',
    "monitoring_scheduler_task_exits_minutes": 2, "monitoring_scheduler_task_exits_window_minutes": 15,
}
PAGER = "arn:aws:sns:us-east-1:123456789012:ops-pager"

# (overrides, a fragment of the one expected problem): each names the variable, the value and what is allowed.
BAD = {
    "app_name with capitals": ({"app_name": "Nest"}, "app_name 'Nest' is not valid: it must be lower-case letters"),
    "app_name with two hyphens": ({"app_name": "my--app"}, "app_name 'my--app' is not valid: two hyphens in a row"),
    "environment_name ending with a hyphen": ({"environment_name": "dev-"}, "environment_name 'dev-' is not valid"),
    "a region that does not exist": ({"aws_region": "us-east-9"}, "aws_region 'us-east-9' is not valid: it must be an AWS region"),
    "a region in the wrong form": ({"aws_region": "virginia"}, "aws_region 'virginia' is not valid"),
    "a role ARN that is not a role": ({"aws_assume_role_arn": "arn:aws:iam::111111111111:user/ci"},
                                      "aws_assume_role_arn 'arn:aws:iam::111111111111:user/ci' is not valid"),
    "a role of another account than aws_account_id": (
        {"aws_assume_role_arn": "arn:aws:iam::111111111111:role/deployer", "aws_account_id": "222222222222"},
        "is a role of account 111111111111, not of aws_account_id '222222222222'"),
    "a one-letter session name": ({"aws_assume_role_arn": "arn:aws:iam::111111111111:role/deployer",
                                   "aws_assume_role_session_name": "x"}, "aws_assume_role_session_name 'x' is not valid"),
    "an assumed role for 10 minutes": ({"aws_assume_role_arn": "arn:aws:iam::111111111111:role/deployer",
                                        "aws_assume_role_duration_seconds": 600},
                                       "aws_assume_role_duration_seconds '600' is not valid"),
    "a profile name with a space": ({"aws_profile": "my profile"}, "aws_profile 'my profile' is not valid"),
    "an environment named production without the switch": (
        {"environment_name": "production"},
        "environment_name 'production' reads as a production environment (one of its hyphen-separated words is prd, prod, "
        "production or live, not after pre- or non-), but production is 'false': set production: true (CDK_PRODUCTION=true)"),
    "prod-eu with production false": ({"environment_name": "prod-eu", "production": False},
                                      "environment_name 'prod-eu' reads as a production environment"),
    "eu-live with production given as text": ({"environment_name": "eu-live", "production": "no"},
                                              "but production is 'no': set production: true (CDK_PRODUCTION=true) to give it the "
                                              "production protections (7-day backups, deletion protection, 30-day logs, a teardown "
                                              "that keeps the data), or rename the environment."),
    "prd switched off": ({"environment_name": "prd", "production": False}, "environment_name 'prd' reads as a production environment"),
    "production maybe": ({"production": "maybe"}, "production 'maybe' is not valid: it must be true or false"),
    "an account id of 11 digits": ({"aws_account_id": "12345678901"}, "aws_account_id '12345678901' is not valid: it must be the 12 digits"),
    "a JWT parameter name with a space": ({"jwt_secret_parameter_name": "/my app/jwt"}, "jwt_secret_parameter_name '/my app/jwt' is not valid"),
    "an image tag with a colon": ({"app_version": "v1:2"}, "app_version 'v1:2' is not valid: it must be an image tag"),
    "a deploy wait of 0 seconds": ({"deploy_wait_timeout": 0}, "deploy_wait_timeout '0' is not valid: it must be a number of seconds from 1 to 86400."),
    "a logging level not offered": ({"app_logging_level": "trace"}, "app_logging_level 'trace' is not valid: it must be one of fatal, error"),
    "a cron minute out of range": ({"schedule_task_cleanup_cron": "61 * * * *"}, "the minute must be 0-59"),
    "a cron of 3 fields": ({"schedule_task_cleanup_cron": "* * *"}, "it has 3 field(s)"),
    "a tag value with a semicolon": ({"tag_owner": "a;b"}, "tag_owner 'a;b' is not valid: a tag value is up to 256"),
    "a placeholder vpc_id": ({"vpc_id": "REPLACE_WITH_EXISTING_VPC_ID"}, "vpc_id 'REPLACE_WITH_EXISTING_VPC_ID' is not valid"),
    "no hosted_zone_id": ({"hosted_zone_id": ""}, "hosted_zone_id is not set: set it in the inventory"),
    "a certificate ARN of another service": ({"certificate_arn": "arn:aws:iam::123456789012:server-certificate/x"},
                                             "certificate_arn 'arn:aws:iam::123456789012:server-certificate/x' is not valid"),
    "a database minimum below 0.5": ({"database_min_capacity": 0.25}, "database_min_capacity '0.25' is not valid: it must be 0.5 to 16 in steps of 0.5, or 0"),
    "a database maximum above 16": ({"database_max_capacity": 32}, "database_max_capacity '32' is not valid: it must be 1 to 16"),
    "a database maximum not in steps of 0.5": ({"database_max_capacity": 1.3}, "database_max_capacity '1.3' is not valid"),
    "a database minimum above the maximum": ({"database_min_capacity": 4, "database_max_capacity": 2},
                                             "database_min_capacity '4' is above database_max_capacity '2'"),
    "a capacity that is not a number": ({"database_max_capacity": "lots"}, "database_max_capacity 'lots' is not valid: it must be a number"),
    "an auto-pause delay too short": ({"database_min_capacity": 0, "database_seconds_until_auto_pause": 60},
                                      "database_seconds_until_auto_pause '60' is not valid"),
    "backups kept 40 days": ({"database_backup_retention_days": 40}, "database_backup_retention_days '40' is not valid: it must be a number of days from 1 to 35"),
    "credentials rotated every 400 days": ({"database_credentials_rotation_days": 400},
                                           "database_credentials_rotation_days '400' is not valid: it must be a number of days (0: rotated only by hand) from 0 to 365"),
    "credentials rotated every -1 days": ({"database_credentials_rotation_days": -1}, "database_credentials_rotation_days '-1' is not valid"),
    "a database port below the range": ({"database_port": 80}, "database_port '80' is not valid: it must be a port Aurora accepts, from 1150 to 65535"),
    "a database name with a hyphen": ({"database_name": "my-db"}, "database_name 'my-db' is not valid: it must be a PostgreSQL identifier"),
    "a reserved user name": ({"database_username": "rdsadmin"}, "database_username 'rdsadmin' is not valid"),
    "an engine version that is a word": ({"database_engine_version": "latest"}, "database_engine_version 'latest' is not valid"),
    "read replica maybe": ({"database_read_replica": "maybe"}, "database_read_replica 'maybe' is not valid: it must be true or false"),
    "untagged images kept 0 days": ({"ecr_untagged_image_expiry_days": 0}, "ecr_untagged_image_expiry_days '0' is not valid: it must be a whole number of days, at least 1"),
    "a tag mutability not offered": ({"ecr_image_tag_mutability": "SOMETIMES"}, "ecr_image_tag_mutability 'SOMETIMES' is not valid: it must be one of MUTABLE, IMMUTABLE"),
    "a privileged application port": ({"app_port": 80}, "app_port '80' is not valid: it must be a port from 1024 to 65535"),
    "an application port above 65535": ({"app_port": 70000}, "app_port '70000' is not valid"),
    "a JWT expiry in weeks": ({"app_jwt_expires_in": "2w"}, "app_jwt_expires_in '2w' is not valid: it must be a number followed by s, m, h or d"),
    "a CORS origin without a scheme": ({"app_cors_allowed_origin": "app.example.com"}, "app_cors_allowed_origin 'app.example.com' is not valid"),
    "a CORS list with one bad origin": ({"app_cors_allowed_origin": "https://a.example.com,ftp://b"}, "app_cors_allowed_origin 'https://a.example.com,ftp://b' is not valid"),
    "a Fargate memory that does not fit the CPU": ({"task_memory_mb": 4096}, "task_memory_mb '4096' does not fit task_cpu_units 256 on Fargate"),
    "a CPU size Fargate does not offer": ({"task_cpu_units": 300}, "task_cpu_units '300' is not a Fargate CPU size"),
    "task memory that is not a number": ({"task_memory_mb": "1GB"}, "task_memory_mb '1GB' is not valid: it must be a whole number"),
    "a desired count above 100": ({"service_desired_count": 101}, "service_desired_count '101' is not valid: it must be a whole number from 0 to 100"),
    "a service maximum of 0": ({"service_max_capacity": 0}, "service_max_capacity '0' is not valid: it must be a whole number from 1 to 100"),
    "a service minimum above the maximum": ({"service_min_capacity": 5, "service_max_capacity": 2}, "service_min_capacity '5' is above service_max_capacity '2'"),
    "a CPU target of 150%": ({"service_cpu_target_utilization": 150}, "service_cpu_target_utilization '150' is not valid"),
    "a log retention CloudWatch does not offer": ({"service_log_retention_days": 10}, "service_log_retention_days '10' is not valid: CloudWatch Logs keeps logs 1, 3, 5"),
    "a load balancer name of 33 characters": ({"alb_name": "a" * 29 + "-alb"}, f"alb_name '{'a' * 29}-alb' is not valid: load balancer and target group names are 1 to 32"),
    "a target group name ending with a hyphen": ({"alb_target_group_name": "tg-"}, "alb_target_group_name 'tg-' is not valid"),
    "a role name of 65 characters": ({"ecs_task_role_name": "r" * 65}, "ecs_task_role_name '" + "r" * 65 + "' is not valid: the task role takes at most 64 characters"),
    "a cluster identifier too long for its reader": ({"database_reader_instance_identifier": "c" * 60 + "-reader", "database_read_replica": True},
                                                      "database_reader_instance_identifier '" + "c" * 60 + "-reader' is not valid: the reader instance takes at most 63"),
    "a cluster identifier too long for its writer": ({"database_cluster_identifier": "c" * 60, "database_writer_instance_identifier": "c" * 60 + "-writer"},
                                                      "database_writer_instance_identifier '" + "c" * 60 + "-writer' is not valid: the writer instance takes at most 63"),
    "a cluster identifier over AWS's 63": ({"database_cluster_identifier": "c" * 64}, "the Aurora cluster takes at most 63"),
    "a scheduler memory that does not fit": ({"scheduler_task_memory_mb": 8192}, "scheduler_task_memory_mb '8192' does not fit scheduler_task_cpu_units 256"),
    "a scheduler log retention of 2 days": ({"scheduler_log_retention_days": 2}, "scheduler_log_retention_days '2' is not valid"),
    "cluster parameters as a list": ({"database_cluster_parameters": ["a=1"]}, "database_cluster_parameters '['a=1']' is not valid: it must be a dict"),
    "a cluster parameter name with a space": ({"database_cluster_parameters": {"work mem": 1}}, "database_cluster_parameters has the name 'work mem'"),
    "a cluster parameter whose value is a list": ({"database_cluster_parameters": {"search_path": ["a", "b"]}},
                                                  "database_cluster_parameters.search_path '['a', 'b']' is not valid: a parameter's value is one"),
    "plaintext connections allowed": ({"database_cluster_parameters": {"rds.force_ssl": 0}},
                                      "database_cluster_parameters.rds.force_ssl '0' is not allowed: the cluster always refuses plaintext"),
    "a snapshot copy region that does not exist": ({"database_snapshot_copy_region": "us-west-9"},
                                                   "database_snapshot_copy_region 'us-west-9' is not valid: it must be an AWS region"),
    "a snapshot copy into the deployment's own region": ({"database_snapshot_copy_region": "us-east-1"},
                                                         "database_snapshot_copy_region 'us-east-1' is the deployment's own region"),
    "no snapshot copy kept": ({"database_snapshot_copy_keep": 0}, "database_snapshot_copy_keep '0' is not valid: it must be a whole number of copies from 1 to 100"),
    "an X-Ray daemon as large as the task": ({"xray_daemon_cpu_units": 256}, "xray_daemon_cpu_units '256' is not valid: the X-Ray daemon's budget comes out"),
    "an X-Ray daemon memory of 2 MB": ({"xray_daemon_memory_mb": 2}, "xray_daemon_memory_mb '2' is not valid: it must be a whole number of at least 6 MB"),
    "an X-Ray daemon image with a space": ({"xray_daemon_image": "xray daemon"}, "xray_daemon_image 'xray daemon' is not valid: it must be an image reference"),
    "xray maybe": ({"xray_enabled": "maybe"}, "xray_enabled 'maybe' is not valid: it must be true or false"),
    "a flow log traffic type not offered": ({"vpc_flow_logs_traffic_type": "SOME"}, "vpc_flow_logs_traffic_type 'SOME' is not valid: it must be one of ALL, ACCEPT, REJECT"),
    "a flow log aggregation of 5 minutes": ({"vpc_flow_logs_max_aggregation_interval": 300}, "vpc_flow_logs_max_aggregation_interval '300' is not valid: it must be one of 60, 600"),
    "a flow log retention of 10 days": ({"vpc_flow_logs_retention_days": 10}, "vpc_flow_logs_retention_days '10' is not valid: CloudWatch Logs keeps logs 1, 3"),
    "a flow logs role name of 65 characters": ({"vpc_flow_logs_role_name": "f" * 65}, "vpc_flow_logs_role_name '" + "f" * 65 + "' is not valid: the flow logs' role takes at most 64"),
    "a topic ARN of another service": ({"monitoring_sns_topic_arn": "arn:aws:sqs:us-east-1:123456789012:q", "monitoring_alarm_emails": []},
                                       "monitoring_sns_topic_arn 'arn:aws:sqs:us-east-1:123456789012:q' is not valid: it must be the ARN of a standard SNS topic"),
    "a FIFO topic ARN": ({"monitoring_sns_topic_arn": PAGER + ".fifo", "monitoring_alarm_emails": []}, "monitoring_sns_topic_arn '" + PAGER + ".fifo' is not valid"),
    "an alarm address without a domain": ({"monitoring_alarm_emails": ["oncall@example.com", "oncall"]},
                                          "monitoring_alarm_emails holds 'oncall', which is not valid: it must list e-mail addresses"),
    "alarm addresses as one string with a bad one": ({"monitoring_alarm_emails": "a@example.com, b at example.com"},
                                                     "monitoring_alarm_emails holds 'b at example.com'"),
    "alarm addresses with an existing topic": ({"monitoring_sns_topic_arn": PAGER},
                                               "monitoring_alarm_emails (oncall@example.com) is not valid with monitoring_sns_topic_arn"),
    "an alarm CPU threshold of 120%": ({"monitoring_cpu_threshold": 120}, "monitoring_cpu_threshold '120' is not valid: it must be a percentage above 0 and below 100"),
    "a database CPU threshold of 0": ({"monitoring_database_cpu_threshold": 0}, "monitoring_database_cpu_threshold '0' is not valid"),
    "an alarm CPU threshold that is a word": ({"monitoring_cpu_threshold": "high"}, "monitoring_cpu_threshold 'high' is not valid: it must be a number"),
    "a connections threshold of 0": ({"monitoring_database_connections_threshold": "0"},
                                     "monitoring_database_connections_threshold '0' is not valid: it must be a whole number of at least 1"),
    "a 5xx threshold of 2.5": ({"monitoring_http_5xx_threshold": 2.5}, "monitoring_http_5xx_threshold '2.5' is not valid: it must be a whole number"),
    "a memory threshold of 100%": ({"monitoring_memory_threshold": 100},
                                   "monitoring_memory_threshold '100' is not valid: it must be a percentage above 0 and below 100"),
    "an error-line threshold below 0": ({"monitoring_error_log_threshold": -1},
                                        "monitoring_error_log_threshold '-1' is not valid: it must be a whole number of error lines, 0"),
    "a scheduler error-line threshold below 0": ({"monitoring_scheduler_error_log_threshold": -2},
                                                  "monitoring_scheduler_error_log_threshold '-2' is not valid: it must be a whole "
                                                  "number of error lines, 0"),
    "an error-line period of 0 minutes": ({"monitoring_error_log_period_minutes": 0},
                                          "monitoring_error_log_period_minutes '0' is not valid: it must be a whole number of minutes from 1 to 1440"),
    "an error-line period over a day": ({"monitoring_error_log_period_minutes": 1441}, "monitoring_error_log_period_minutes '1441' is not valid"),
    "an empty error-line pattern": ({"monitoring_error_log_filter_pattern": " "},
                                    "monitoring_error_log_filter_pattern ' ' is not valid: an empty pattern counts every log line"),
    "an error-line pattern over 1024 characters": ({"monitoring_error_log_filter_pattern": "x" * 1025},
                                                   "CloudWatch Logs takes at most 1024 characters and this is 1025"),
    "more task-exit minutes than the window": ({"monitoring_scheduler_task_exits_minutes": 16},
                                               "monitoring_scheduler_task_exits_minutes '16' is not valid: it must be a whole number of minutes "
                                               "from 1 to monitoring_scheduler_task_exits_window_minutes (15)"),
    "no task-exit minute": ({"monitoring_scheduler_task_exits_minutes": 0}, "monitoring_scheduler_task_exits_minutes '0' is not valid"),
    "a task-exit window over a day": ({"monitoring_scheduler_task_exits_window_minutes": 2000},
                                      "monitoring_scheduler_task_exits_window_minutes '2000' is not valid: it must be a whole number of minutes from 1 to 1440"),
}


def test_the_valid_inputs_have_no_problem():
    assert input_problems(VALID, SPECS) == []


def test_a_cluster_identifier_cloudformation_generated_is_valid_without_a_reader():
    """playbooks/adopt_cdk.yml adopts the CDK app's cluster, whose identifier may take AWS's 63 characters."""
    adopted = {"database_cluster_identifier": "nestjs-playground-dev-database-databaseclusterb3a0-cb98902915bb",
               "database_writer_instance_identifier": "nestjs-playground-dev-database-databaseclusterwrit-ab96690d692f"}
    assert input_problems(dict(VALID, **adopted), SPECS) == []


def test_a_reader_name_too_long_is_no_problem_without_a_reader():
    assert input_problems(dict(VALID, database_reader_instance_identifier="c" * 70, database_read_replica=False), SPECS) == []


def test_the_valid_inputs_name_every_input_of_every_role():
    documented = {name for role in ROLES for name in SPECS[role]}
    checked = set(VALID)
    # Inputs not in VALID: names and settings without a rule beyond their type.
    assert len(checked & documented) >= 45


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_bad_input_is_named_with_its_value_and_what_is_allowed(case):
    overrides, fragment = BAD[case]
    problems = input_problems(dict(VALID, **overrides), SPECS)
    assert len(problems) == 1, problems
    assert fragment in problems[0]


def test_every_problem_is_reported_at_once():
    overrides = {}
    for case in ("a database minimum below 0.5", "a privileged application port", "a cron of 3 fields", "a placeholder vpc_id",
                 "a region that does not exist", "a scheduler log retention of 2 days"):
        overrides.update(BAD[case][0])
    problems = input_problems(dict(VALID, **overrides), SPECS)
    assert len(problems) == 6, problems


def test_the_scheduler_is_not_checked_while_it_is_off():
    values = dict(VALID, scheduler_enabled=False, schedule_task_cleanup_cron="nonsense", scheduler_task_memory_mb=1)
    assert input_problems(values, SPECS) == []


def test_an_error_line_threshold_of_0_alarms_on_any_error_line_and_is_valid():
    assert input_problems(dict(VALID, monitoring_error_log_threshold=0), SPECS) == []


def test_task_exit_minutes_equal_to_the_window_are_valid():
    assert input_problems(dict(VALID, monitoring_scheduler_task_exits_minutes=15), SPECS) == []


def test_the_alarm_settings_are_not_checked_while_monitoring_is_off():
    values = dict(VALID, monitoring_enabled=False, monitoring_sns_topic_arn="nonsense", monitoring_alarm_emails=["x"], monitoring_cpu_threshold=500)
    assert input_problems(values, SPECS) == []


def test_an_existing_topic_without_addresses_and_addresses_as_one_string_are_usable():
    assert input_problems(dict(VALID, monitoring_sns_topic_arn=PAGER, monitoring_alarm_emails=[]), SPECS) == []
    assert input_problems(dict(VALID, monitoring_alarm_emails="a@example.com, b@example.org"), SPECS) == []


def test_a_role_outside_the_play_is_not_checked():
    values = {name: value for name, value in VALID.items() if not name.startswith(("task_", "service_", "app_port", "app_cors", "app_jwt"))}
    values["task_cpu_units"] = 300   # ecs_service's input, but ecs_service is not asked about
    assert input_problems(values, SPECS, roles=("config", "aurora")) == []


def test_the_snapshot_copy_is_not_checked_without_a_copy_region():
    assert input_problems(dict(VALID, database_snapshot_copy_region="", database_snapshot_copy_keep=0), SPECS) == []


def test_the_x_ray_daemon_is_not_checked_while_it_is_off():
    assert input_problems(dict(VALID, xray_enabled=False, xray_daemon_cpu_units=4096, xray_daemon_image="no good"), SPECS) == []


def test_the_x_ray_switch_given_as_text_is_read_as_ansible_reads_it():
    assert input_problems(dict(VALID, xray_enabled="true", xray_daemon_memory_mb=1024), SPECS) == [
        "xray_daemon_memory_mb '1024' is not valid: the X-Ray daemon's budget comes out of the task's size and must leave room "
        "for the application, so it must be less than task_memory_mb '512'."
    ]


def test_numbers_given_as_text_are_read_as_ansible_reads_them():
    values = dict(VALID, task_cpu_units="512", task_memory_mb="1024", database_max_capacity="2.5", app_port="8080")
    assert input_problems(values, SPECS) == []


@pytest.mark.parametrize("name", ["prod", "production", "live", "prd-eu", "prod-2", "eu-prod", "payments-live", "PROD"])
def test_a_name_that_reads_as_production_is_usable_with_the_production_switch(name):
    assert reads_as_production(name)
    assert [p for p in input_problems(dict(VALID, environment_name=name, production=True), SPECS) if "production" in p] == []
    assert [p for p in input_problems(dict(VALID, environment_name=name, production="true"), SPECS) if "production" in p] == []


@pytest.mark.parametrize("name", ["dev", "qa", "staging", "pre-prod", "non-prod", "preprod", "nonprod", "product", "delivery", "prds"])
def test_a_name_that_does_not_read_as_production_needs_no_switch_either_way(name):
    assert not reads_as_production(name)
    assert input_problems(dict(VALID, environment_name=name, production=False), SPECS) == []
    assert input_problems(dict(VALID, environment_name=name, production=True), SPECS) == []   # production of any name


def test_prd_is_production_by_default():
    """Where the config role's default is not in the values (the lookup always passes it), prd counts as production."""
    assert input_problems(dict(VALID, environment_name="prd"), SPECS) == []
    assert input_problems(dict(VALID, environment_name="prd", production=True), SPECS) == []


def test_known_regions_are_botocores_regions_of_every_partition():
    """The region list read from botocore's endpoint data is exactly what botocore's session answers."""
    import botocore.session  # pylint: disable=import-outside-toplevel

    session = botocore.session.get_session()
    expected = {region for partition in session.get_available_partitions()
                for region in session.get_available_regions("ec2", partition_name=partition)}
    assert set(known_regions()) == expected
    assert {"us-east-1", "us-gov-west-1", "cn-north-1"} <= set(known_regions())


def test_every_rule_is_of_a_kind_the_checker_knows_and_reads_options_that_exist():
    """A rule stated for its option (the role's meta/input_rules.yml) that the checker cannot apply would pass every
    value silently: each is of one known kind, each hand-written ``check`` exists, and what it reads is an input."""
    from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.inputs import CHECKS  # pylint: disable=import-outside-toplevel
    from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.inputs import KINDS  # pylint: disable=import-outside-toplevel

    options = {name for role in ROLES for name in SPECS[role]}
    wrong = []
    for role in ROLES:
        for name, option in SPECS[role].items():
            for rule in option.get("rules") or []:
                # a check or a required value may carry the pattern it applies; any other rule is of exactly one kind
                kinds = [key for key in rule if key in KINDS] if not {"check", "required"} & set(rule) else ["check/required"]
                reads = ([rule["other"]] if "other" in rule else []) + (
                    list(rule["when"]) if isinstance(rule.get("when"), dict) else [rule["when"]] if "when" in rule else [])
                unknown_check = "check" in rule and rule["check"] not in CHECKS
                if len(kinds) != 1 or unknown_check or any(read not in options | {"scheduler_enabled"} for read in reads):
                    wrong.append(f"{role}.{name}: {rule}")
    assert wrong == []
    assert len([rule for role in ROLES for option in SPECS[role].values() for rule in option.get("rules") or []]) >= 80
