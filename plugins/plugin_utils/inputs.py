# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every rule an input of this collection's roles must satisfy, checked on the controller before any AWS
call: the type and choices each role's argument spec declares, and the rules that span several inputs or
need more than a type (ranges, formats, Fargate sizes, AWS name lengths).

``input_problems(values, specs, roles)`` returns one sentence per problem, each naming the variable, its
value and what is allowed; the lookup ``nestjs_playground.infra.input_problems`` feeds it the play's
variables. Pure Python, no AWS: unit-tested in tests/unit/plugins/plugin_utils/test_inputs.py.
"""

import glob
import importlib.util
import json
import math
import os
import re

import yaml

from ansible.module_utils.common.validation import check_type_bool
from ansible.module_utils.common.validation import check_type_float
from ansible.module_utils.common.validation import check_type_int
from ansible_collections.nestjs_playground.infra.plugins.filter.cron import cron_problems
from ansible_collections.nestjs_playground.infra.plugins.filter.fargate import fargate_size_problems

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ROLES = ("config", "network_lookup", "aurora", "ecr", "ecs_service", "ecs_scheduler", "monitoring")

# CloudWatch Logs' allowed retention periods, in days.
LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
NAME = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
IMAGE_REFERENCE = re.compile(r"^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})?$")
PARAMETER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")
IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
ELB_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
TAG_VALUE = re.compile(r"^[\w\s.:/=+\-@]{0,256}$")
SNS_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$")
EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$")
NETWORK = [
    ("vpc_id", r"^vpc-[0-9a-f]{8,17}$", "the id of the existing VPC to import, like vpc-0123456789abcdef0"),
    ("hosted_zone_id", r"^(/hostedzone/)?[A-Z0-9]{1,32}$", "the id of the existing Route 53 hosted zone, like Z1234567890ABC"),
    ("hosted_zone_name", r"^([a-zA-Z0-9-]{1,63}[.])+[a-zA-Z]{2,63}[.]?$", "the name of that hosted zone, like example.com"),
    ("domain_name", r"^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?([.][a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$",
     "the application subdomain within the zone, like nestjs-playground-api"),
    ("certificate_arn", r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$",
     "the ARN of an ISSUED ACM certificate, arn:aws:acm:REGION:ACCOUNT:certificate/ID"),
]
# AWS name rules of the resources whose names derive from app_name and environment_name:
# (variable, longest, what it names). Each is also checked against its own character rules below.
NAME_LENGTHS = [
    ("alb_name", 32, "the load balancer"),
    ("alb_target_group_name", 32, "the target group"),
    # AWS's 63 each (a cluster the CDK app made has a generated identifier up to 63: playbooks/adopt_cdk.yml); the
    # instances derive from the cluster's unless named, the reader's only checked with database_read_replica
    ("database_cluster_identifier", 63, "the Aurora cluster"),
    ("database_writer_instance_identifier", 63, "the writer instance"),
    ("database_reader_instance_identifier", 63, "the reader instance"),
    ("ecs_execution_role_name", 64, "the execution role"),
    ("ecs_task_role_name", 64, "the task role"),
    ("scheduler_execution_role_name", 64, "the scheduler's execution role"),
    ("scheduler_task_role_name", 64, "the scheduler's task role"),
    ("ecr_repository_name", 256, "the ECR repository"),
    ("ecs_cluster_name", 255, "the ECS cluster"),
    ("database_cluster_parameter_group_name", 255, "the cluster parameter group"),
    ("vpc_flow_logs_role_name", 64, "the flow logs' role"),
]


def load_yaml(path):
    """The YAML document at ``path``, read with libyaml when PyYAML has it (ten times faster: every role's input
    check reads all the argument specs again), else with the pure-Python loader."""
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=SAFE_LOADER)  # nosec B506 - a safe loader either way


def load_specs(root=COLLECTION_ROOT):
    """{role: {option: spec}} of every role's main entry point."""
    specs = {}
    for path in sorted(glob.glob(os.path.join(root, "roles", "*", "meta", "argument_specs.yml"))):
        document = load_yaml(path) or {}
        role = os.path.basename(os.path.dirname(os.path.dirname(path)))
        specs[role] = ((document.get("argument_specs") or {}).get("main") or {}).get("options") or {}
    return specs


def _is_set(value):
    return value is not None and not (isinstance(value, str) and value.strip() == "")


def _number(value, kind):
    """The value as ``kind`` (int or float) the way Ansible's argument spec reads it, or None."""
    if isinstance(value, bool):
        return None
    try:
        number = check_type_int(value) if kind == "int" else check_type_float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def type_problems(name, value, option):
    kind = option.get("type", "str")
    if value is None:
        return []
    if kind in ("int", "float") and _number(value, kind) is None:
        what = "a whole number" if kind == "int" else "a number"
        return [f"{name} '{value}' is not valid: it must be {what}."]
    if kind == "bool":
        try:
            check_type_bool(value)
        except TypeError:
            return [f"{name} '{value}' is not valid: it must be true or false."]
    choices = option.get("choices")
    if choices and value not in choices:
        return [f"{name} '{value}' is not valid: it must be one of {', '.join(str(c) for c in choices)}."]
    return []


def _in_range(name, value, low, high, what="a whole number"):
    number = _number(value, "int")
    if number is None or number < low or number > high:
        return [f"{name} '{value}' is not valid: it must be {what} from {low} to {high}."]
    return []


# An environment name reads as production when one of its hyphen-separated words is one of these, unless
# the word before it is "pre" or "non" (pre-prod and non-prod are not production): prd, prod, production,
# live, prod-eu, eu-live, payments-prd... Such a name must come with production: true (or be renamed).
PRODUCTION_WORDS = ("prd", "prod", "production", "live")
NOT_PRODUCTION_BEFORE = ("pre", "non")


def reads_as_production(environment_name):
    """Whether ``environment_name`` reads as a production environment's name (see PRODUCTION_WORDS)."""
    words = str(environment_name).lower().split("-")
    return any(word in PRODUCTION_WORDS and (index == 0 or words[index - 1] not in NOT_PRODUCTION_BEFORE)
               for index, word in enumerate(words))


def production_problems(v):
    """A production-sounding environment name without the production switch: its data would get the
    protections of a test environment (1-day backups, no deletion protection, a teardown that deletes it)."""
    name = v.get("environment_name")
    production = v.get("production", name == "prd")   # the config role's default, where it is not in the play
    if not isinstance(name, str) or not reads_as_production(name):
        return []
    try:
        on = production is not None and check_type_bool(production)
    except TypeError:
        return []   # not a boolean: the type check says so
    if on:
        return []
    shown = str(production).lower() if isinstance(production, bool) else production
    return [
        f"environment_name '{name}' reads as a production environment (one of its hyphen-separated words is "
        f"{', '.join(PRODUCTION_WORDS[:-1])} or {PRODUCTION_WORDS[-1]}, not after pre- or non-), "
        f"but production is '{shown}': set production: true (CDK_PRODUCTION=true) to give it the production "
        "protections (7-day backups, deletion protection, 30-day logs, a teardown that keeps the data), or rename "
        "the environment."
    ]


def config_problems(v):
    problems = []
    for name in ("app_name", "environment_name"):
        if name in v and not (isinstance(v[name], str) and NAME.match(v[name])):
            problems.append(
                f"{name} '{v[name]}' is not valid: it must be lower-case letters, digits and hyphens, starting with a "
                "letter and not ending with a hyphen (it names the cluster, service, secrets and load balancer)."
            )
        elif name in v and "--" in v[name]:
            problems.append(f"{name} '{v[name]}' is not valid: two hyphens in a row are not allowed in an Aurora cluster name.")
    region = v.get("aws_region")
    if "aws_region" in v and not (isinstance(region, str) and REGION.match(region) and region in known_regions()):
        problems.append(f"aws_region '{region}' is not valid: it must be an AWS region, like us-east-1 or eu-west-1.")
    account = v.get("aws_account_id")
    if _is_set(account) and not re.fullmatch(r"[0-9]{12}", str(account)):
        problems.append(f"aws_account_id '{account}' is not valid: it must be the 12 digits of an AWS account id, or empty.")
    problems += identity_problems(v)
    problems += production_problems(v)
    parameter = v.get("jwt_secret_parameter_name")
    parameter_ok = isinstance(parameter, str) and re.fullmatch(r"/?[A-Za-z0-9_.\-/]{1,1011}", parameter) and "//" not in parameter
    if "jwt_secret_parameter_name" in v and not parameter_ok:
        problems.append(f"jwt_secret_parameter_name '{parameter}' is not valid: it must be an SSM parameter name like /nestjs-playground/jwt-secret.")
    if "app_version" in v and not IMAGE_TAG.match(str(v["app_version"])):
        problems.append(f"app_version '{v['app_version']}' is not valid: it must be an image tag (letters, digits, _ . -, up to 128).")
    if _number(v.get("deploy_wait_timeout"), "int") is not None:   # not a whole number: the type check says so
        problems += _in_range("deploy_wait_timeout", v["deploy_wait_timeout"], 1, 86400, "a number of seconds")
    for name in ("tag_app", "tag_env", "tag_ou", "tag_owner"):
        if name in v and not TAG_VALUE.match(str(v[name])):
            problems.append(f"{name} '{v[name]}' is not valid: a tag value is up to 256 letters, digits, spaces and _ . : / = + - @.")
    return problems


def identity_problems(v):
    """The AWS identity: a profile name, and the role to assume (in aws_account_id's account when both are given)."""
    problems = []
    profile = v.get("aws_profile")
    if _is_set(profile) and not re.fullmatch(r"[A-Za-z0-9_.@+=,/-]{1,128}", str(profile)):
        problems.append(f"aws_profile '{profile}' is not valid: it must be the name of a profile of the AWS configuration, or empty.")
    role = v.get("aws_assume_role_arn")
    if not _is_set(role):
        return problems
    match = re.fullmatch(r"arn:aws(?:-[a-z]+)*:iam::([0-9]{12}):role/[A-Za-z0-9_+=,.@/-]{1,512}", str(role))
    account = v.get("aws_account_id")
    if not match:
        problems.append(f"aws_assume_role_arn '{role}' is not valid: it must be an IAM role ARN like "
                        "arn:aws:iam::123456789012:role/deployer, or empty.")
    elif _is_set(account) and match.group(1) != str(account):
        problems.append(f"aws_assume_role_arn '{role}' is a role of account {match.group(1)}, not of aws_account_id "
                        f"'{account}': assume a role of that account, or correct aws_account_id.")
    session = v.get("aws_assume_role_session_name")
    if "aws_assume_role_session_name" in v and not re.fullmatch(r"[A-Za-z0-9_+=,.@-]{2,64}", str(session)):
        problems.append(f"aws_assume_role_session_name '{session}' is not valid: 2 to 64 letters, digits and _ + = , . @ -.")
    external_id = v.get("aws_assume_role_external_id")
    if _is_set(external_id) and not re.fullmatch(r"[A-Za-z0-9_+=,.@:/-]{2,1224}", str(external_id)):
        problems.append("aws_assume_role_external_id is not valid: 2 to 1224 letters, digits and _ + = , . @ : / -.")
    duration = _number(v.get("aws_assume_role_duration_seconds", 3600), "int")
    if duration is None or not 900 <= duration <= 43200:
        problems.append(f"aws_assume_role_duration_seconds '{v.get('aws_assume_role_duration_seconds')}' is not valid: "
                        "it must be a number of seconds from 900 to 43200.")
    return problems


def network_problems(v):
    problems = []
    for name, pattern, what in NETWORK:
        if name not in v and name != "vpc_id" and "vpc_id" not in v:
            continue   # the network role is not part of this play
        value = v.get(name)
        if not _is_set(value):
            problems.append(f"{name} is not set: set it in the inventory (group_vars) or with -e {name}=... to {what}.")
        elif not isinstance(value, str) or not re.match(pattern, value):
            problems.append(f"{name} '{value}' is not valid: it must be {what}.")
    return problems


def _acus(name, value, low, allow_zero):
    number = _number(value, "float")
    if number is None:
        return [f"{name} '{value}' is not a number of ACUs."]
    if allow_zero and number == 0:
        return []
    if number < low or number > 16 or number * 2 != round(number * 2):
        return [f"{name} '{value}' is not valid: it must be {low:g} to 16 in steps of 0.5" + (", or 0 to pause when idle." if allow_zero else ".")]
    return []


def database_problems(v):
    problems = _acus("database_min_capacity", v["database_min_capacity"], 0.5, True)
    problems += _acus("database_max_capacity", v["database_max_capacity"], 1, False)
    low, high = _number(v["database_min_capacity"], "float"), _number(v["database_max_capacity"], "float")
    if not problems and low > high:
        problems.append(
            f"database_min_capacity '{v['database_min_capacity']}' is above database_max_capacity "
            f"'{v['database_max_capacity']}': the minimum must not exceed the maximum."
        )
    pause = _number(v.get("database_seconds_until_auto_pause"), "int")
    if not problems and low == 0 and (pause is None or pause < 300 or pause > 86400):
        problems.append(
            f"database_seconds_until_auto_pause '{v.get('database_seconds_until_auto_pause')}' is not valid: AWS allows "
            "300 to 86400 seconds before an idle cluster pauses."
        )
    if "database_backup_retention_days" in v:
        problems += _in_range("database_backup_retention_days", v["database_backup_retention_days"], 1, 35, "a number of days")
    if "database_credentials_rotation_days" in v:
        problems += _in_range("database_credentials_rotation_days", v["database_credentials_rotation_days"], 0, 365,
                              "a number of days (0: rotated only by hand)")
    if "database_port" in v:
        problems += _in_range("database_port", v["database_port"], 1150, 65535, "a port Aurora accepts,")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", str(v.get("database_name"))):
        problems.append(
            f"database_name '{v.get('database_name')}' is not valid: it must be a PostgreSQL identifier, a letter or "
            "underscore then up to 62 letters, digits or underscores."
        )
    username = str(v.get("database_username"))
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,62}", username) or username.lower() in ("rdsadmin", "rdsrepladmin", "rds_superuser"):
        problems.append(
            f"database_username '{username}' is not valid: it must start with a letter, hold up to 63 letters, digits "
            "or underscores, and not be a name RDS reserves (rdsadmin)."
        )
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", str(v.get("database_engine_version"))):
        problems.append(f"database_engine_version '{v.get('database_engine_version')}' is not valid: it must be an Aurora PostgreSQL version like 17.5.")
    problems += cluster_parameter_problems(v.get("database_cluster_parameters"))
    problems += snapshot_copy_problems(v)
    return problems


def cluster_parameter_problems(parameters):
    """database_cluster_parameters: name -> one value each; rds.force_ssl may only say 1 (spec: Data Security)."""
    if parameters is None or parameters == "":
        return []
    if not isinstance(parameters, dict):
        return [f"database_cluster_parameters '{parameters}' is not valid: it must be a dict of cluster parameters, name: value, "
                "like {log_min_duration_statement: 500}."]
    problems = []
    for name, value in parameters.items():
        if not isinstance(name, str) or not PARAMETER_NAME.match(name):
            problems.append(f"database_cluster_parameters has the name '{name}', which is not a parameter name: letters, digits, "
                            "'_' and '.', starting with a letter.")
        elif value is None or isinstance(value, (dict, list, tuple, set)):
            problems.append(f"database_cluster_parameters.{name} '{value}' is not valid: a parameter's value is one number or string "
                            "(a list as one comma-separated string).")
        elif name == "rds.force_ssl" and str(value).lower() not in ("1", "true", "on"):
            problems.append(f"database_cluster_parameters.rds.force_ssl '{value}' is not allowed: the cluster always refuses plaintext "
                            "connections (rds.force_ssl = 1, spec: Data Security); leave it out.")
    return problems


def snapshot_copy_problems(v):
    """database_snapshot_copy_*: only checked while a copy region is set (nothing is copied otherwise)."""
    region = v.get("database_snapshot_copy_region")
    if not _is_set(region):
        return []
    problems = []
    if not (isinstance(region, str) and REGION.match(region) and region in known_regions()):
        problems.append(f"database_snapshot_copy_region '{region}' is not valid: it must be an AWS region like us-west-2, "
                        "or empty to copy no snapshot.")
    elif region == v.get("aws_region"):
        problems.append(f"database_snapshot_copy_region '{region}' is the deployment's own region (aws_region): the copies must "
                        "go to another region.")
    if "database_snapshot_copy_keep" in v:
        problems += _in_range("database_snapshot_copy_keep", v["database_snapshot_copy_keep"], 1, 100, "a whole number of copies")
    return problems


def ecr_problems(v):
    days = _number(v["ecr_untagged_image_expiry_days"], "int")
    if days is None or days < 1:
        return [f"ecr_untagged_image_expiry_days '{v['ecr_untagged_image_expiry_days']}' is not valid: it must be a whole "
                "number of days, at least 1, after which untagged images expire."]
    return []


def _log_retention(name, value):
    if _number(value, "int") not in LOG_RETENTION_DAYS:
        return [f"{name} '{value}' is not valid: CloudWatch Logs keeps logs {', '.join(map(str, LOG_RETENTION_DAYS[:-1]))} "
                f"or {LOG_RETENTION_DAYS[-1]} days."]
    return []


def compute_problems(v):
    problems = fargate_size_problems([v["task_cpu_units"], v["task_memory_mb"]], "task_cpu_units", "task_memory_mb")
    problems += _in_range("service_desired_count", v["service_desired_count"], 0, 100)
    problems += _in_range("service_min_capacity", v["service_min_capacity"], 0, 100)
    problems += _in_range("service_max_capacity", v["service_max_capacity"], 1, 100)
    if not problems and _number(v["service_min_capacity"], "int") > _number(v["service_max_capacity"], "int"):
        problems.append(
            f"service_min_capacity '{v['service_min_capacity']}' is above service_max_capacity "
            f"'{v['service_max_capacity']}': the minimum must not exceed the maximum."
        )
    port = _number(v["app_port"], "int")
    if port is None or port < 1024 or port > 65535:
        problems.append(f"app_port '{v['app_port']}' is not valid: it must be a port from 1024 to 65535 (the container runs unprivileged).")
    if not re.fullmatch(r"[1-9][0-9]*[smhd]", str(v["app_jwt_expires_in"])):
        problems.append(
            f"app_jwt_expires_in '{v['app_jwt_expires_in']}' is not valid: it must be a number followed by s, m, h or d, like 30m, 1h or 7d."
        )
    origins = str(v["app_cors_allowed_origin"])
    if origins != "*" and (not origins or not all(ORIGIN.match(origin.strip()) for origin in origins.split(","))):
        problems.append(
            f"app_cors_allowed_origin '{origins}' is not valid: it must be * or a comma-separated list of origins like "
            "https://app.example.com,http://localhost:3000."
        )
    target = _number(v.get("service_cpu_target_utilization"), "float")
    if "service_cpu_target_utilization" in v and (target is None or target <= 0 or target > 100):
        problems.append(
            f"service_cpu_target_utilization '{v['service_cpu_target_utilization']}' is not valid: it must be a percentage above 0 and at most 100."
        )
    if "service_log_retention_days" in v:
        problems += _log_retention("service_log_retention_days", v["service_log_retention_days"])
    problems += xray_problems(v)
    for name in ("alb_name", "alb_target_group_name"):
        if name in v and not ELB_NAME.match(str(v[name])):
            problems.append(
                f"{name} '{v[name]}' is not valid: load balancer and target group names are 1 to 32 letters, digits and hyphens, "
                "not starting or ending with a hyphen (shorten app_name or environment_name)."
            )
    return problems


def xray_problems(v):
    """The X-Ray sidecar's budget comes out of the task's size: it must leave room for the application."""
    try:
        enabled = check_type_bool(v.get("xray_enabled", False))
    except TypeError:
        enabled = False   # type_problems names it
    if not enabled:
        return []   # no sidecar: its sizing does not matter
    problems = []
    for name, task_name, low, unit in (("xray_daemon_cpu_units", "task_cpu_units", 1, "CPU unit"),
                                       ("xray_daemon_memory_mb", "task_memory_mb", 6, "MB")):
        if name not in v:
            continue
        value, task = _number(v[name], "int"), _number(v.get(task_name), "int")
        if value is None or value < low:
            problems.append(f"{name} '{v[name]}' is not valid: it must be a whole number of at least {low} {unit}.")
        elif task is not None and value >= task:
            problems.append(f"{name} '{v[name]}' is not valid: the X-Ray daemon's budget comes out of the task's size and must leave "
                            f"room for the application, so it must be less than {task_name} '{v[task_name]}'.")
    image = v.get("xray_daemon_image")
    if "xray_daemon_image" in v and not (isinstance(image, str) and IMAGE_REFERENCE.match(image)):
        problems.append(f"xray_daemon_image '{image}' is not valid: it must be an image reference like public.ecr.aws/xray/aws-xray-daemon:3.x.")
    return problems


def scheduler_problems(v):
    if v.get("scheduler_enabled") is not True:
        return []   # nothing of it is built: its sizing does not matter
    problems = cron_problems(v.get("schedule_task_cleanup_cron"), "schedule_task_cleanup_cron")
    problems += fargate_size_problems(
        [v["scheduler_task_cpu_units"], v["scheduler_task_memory_mb"]], "scheduler_task_cpu_units", "scheduler_task_memory_mb"
    )
    if "scheduler_log_retention_days" in v:
        problems += _log_retention("scheduler_log_retention_days", v["scheduler_log_retention_days"])
    return problems


def alarm_emails(value):
    """monitoring_alarm_emails as a list of addresses: a list, or a comma-separated string (a CDK_* variable)."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    return [str(item).strip() for item in items if str(item).strip()]


def monitoring_problems(v):
    problems = []
    if "vpc_flow_logs_retention_days" in v:
        problems += _log_retention("vpc_flow_logs_retention_days", v["vpc_flow_logs_retention_days"])
    enabled = v.get("monitoring_enabled", True)
    if enabled is False or (isinstance(enabled, str) and enabled.strip().lower() in ("false", "no", "off", "0")):
        return problems   # no alarm is built: their settings do not matter
    arn = v.get("monitoring_sns_topic_arn")
    if _is_set(arn) and not (isinstance(arn, str) and SNS_TOPIC_ARN.match(arn.strip())):
        problems.append(
            f"monitoring_sns_topic_arn '{arn}' is not valid: it must be the ARN of a standard SNS topic, "
            f"arn:aws:sns:<region>:<account id>:<topic name>, or empty to let the role create {v.get('monitoring_sns_topic_name', 'its own topic')}."
        )
    emails = alarm_emails(v.get("monitoring_alarm_emails"))
    problems += [
        f"monitoring_alarm_emails holds '{email}', which is not valid: it must list e-mail addresses like oncall@example.com."
        for email in emails if not EMAIL.match(email)
    ]
    if _is_set(arn) and emails:
        problems.append(
            f"monitoring_alarm_emails ({', '.join(emails)}) is not valid with monitoring_sns_topic_arn: the addresses subscribe to the "
            "topic this role creates, and an existing topic's subscribers are its owner's - subscribe them there, or leave "
            "monitoring_sns_topic_arn empty."
        )
    for name in ("monitoring_cpu_threshold", "monitoring_database_cpu_threshold", "monitoring_memory_threshold"):
        number = _number(v.get(name), "float")
        if number is not None and (number <= 0 or number >= 100):   # not a number: the type check says so
            problems.append(f"{name} '{v[name]}' is not valid: it must be a percentage above 0 and below 100.")
    for name in ("monitoring_database_connections_threshold", "monitoring_http_5xx_threshold"):
        number = _number(v.get(name), "int")
        if number is not None and number < 1:
            problems.append(f"{name} '{v[name]}' is not valid: it must be a whole number of at least 1.")
    return problems + error_log_problems(v) + task_exit_problems(v)


# A CloudWatch alarm evaluates at most a day of one-minute periods; a filter pattern has at most 1024 characters.
ALARM_MINUTES = 1440
FILTER_PATTERN_LENGTH = 1024


def error_log_problems(v):
    """The app-error-logs and scheduler-error-logs alarms and their metric filters: a count of at least 0, a period of 1 to 1440 minutes, a
    pattern that is not empty (it would count every line) and that CloudWatch Logs takes."""
    problems = []
    for name in ("monitoring_error_log_threshold", "monitoring_scheduler_error_log_threshold"):   # the application's, the scheduler's
        number = _number(v.get(name), "int")
        if number is not None and number < 0:
            problems.append(f"{name} '{v[name]}' is not valid: it must be a whole number of error lines, 0 (any error line) or more.")
    number = _number(v.get("monitoring_error_log_period_minutes"), "int")
    if number is not None and not 1 <= number <= ALARM_MINUTES:
        problems.append(f"monitoring_error_log_period_minutes '{v['monitoring_error_log_period_minutes']}' is not valid: it must be a whole "
                        f"number of minutes from 1 to {ALARM_MINUTES} (a day).")
    pattern = v.get("monitoring_error_log_filter_pattern")
    if "monitoring_error_log_filter_pattern" in v and not _is_set(pattern):
        problems.append(f"monitoring_error_log_filter_pattern '{pattern if pattern is not None else ''}' is not valid: an empty pattern counts "
                        "every log line; it must match the error lines, like { ($.level = \"error\") || ($.level = \"fatal\") }.")
    elif isinstance(pattern, str) and len(pattern) > FILTER_PATTERN_LENGTH:
        problems.append(f"monitoring_error_log_filter_pattern '{pattern[:40]}...' is not valid: CloudWatch Logs takes at most "
                        f"{FILTER_PATTERN_LENGTH} characters and this is {len(pattern)}.")
    return problems


def task_exit_problems(v):
    """The scheduler-task-exits alarm: M minutes out of a window of N one-minute periods, 1 <= M <= N <= 1440."""
    minutes = _number(v.get("monitoring_scheduler_task_exits_minutes"), "int")
    window = _number(v.get("monitoring_scheduler_task_exits_window_minutes"), "int")
    problems = []
    if window is not None and not 1 <= window <= ALARM_MINUTES:
        problems.append(f"monitoring_scheduler_task_exits_window_minutes '{v['monitoring_scheduler_task_exits_window_minutes']}' is not valid: "
                        f"it must be a whole number of minutes from 1 to {ALARM_MINUTES} (a day).")
        window = None
    if minutes is not None and (minutes < 1 or (window is not None and minutes > window)):
        upper = f"monitoring_scheduler_task_exits_window_minutes ({window})" if window is not None else "the window"
        problems.append(f"monitoring_scheduler_task_exits_minutes '{v['monitoring_scheduler_task_exits_minutes']}' is not valid: it must be "
                        f"a whole number of minutes from 1 to {upper}.")
    return problems


def name_length_problems(v):
    problems = []
    for name, longest, what in NAME_LENGTHS:
        value = v.get(name)
        if name == "database_reader_instance_identifier" and str(v.get("database_read_replica")).lower() not in ("true", "yes", "on", "1"):
            continue
        if isinstance(value, str) and len(value) > longest and not (name.startswith("alb_") and not ELB_NAME.match(value)):
            problems.append(
                f"{name} '{value}' is not valid: {what} takes at most {longest} characters and this is {len(value)} "
                "(shorten app_name or environment_name, or set the name itself)."
            )
    return problems


# role -> (rule, the inputs it reads: the rule runs only when all are defined)
RULES = {
    "config": (config_problems, ()),
    "network_lookup": (network_problems, ()),
    "aurora": (database_problems, ("database_min_capacity", "database_max_capacity", "database_name", "database_username",
                                   "database_engine_version")),
    "ecr": (ecr_problems, ("ecr_untagged_image_expiry_days",)),
    "ecs_service": (compute_problems, ("task_cpu_units", "task_memory_mb", "service_desired_count", "service_min_capacity",
                                       "service_max_capacity", "app_port", "app_jwt_expires_in", "app_cors_allowed_origin")),
    "ecs_scheduler": (scheduler_problems, ("scheduler_task_cpu_units", "scheduler_task_memory_mb", "schedule_task_cleanup_cron")),
    "monitoring": (monitoring_problems, ("monitoring_enabled",)),
}


def input_problems(values, specs, roles=ROLES):
    """Every problem with ``values`` (the defined variables, templated) for the inputs of ``roles``."""
    problems = []
    typed_badly = set()
    for role in roles:
        for name, option in (specs.get(role) or {}).items():
            if name in values:
                found = type_problems(name, values[name], option or {})
                typed_badly.update([name] if found else [])
                problems += found
    for role in roles:
        rule, needs = RULES[role]
        if any(name not in values or name in typed_badly for name in needs):
            continue
        problems += [problem for problem in rule(values) if problem not in problems]
    problems += [problem for problem in name_length_problems(values) if problem not in problems]
    return problems


_REGIONS = []


def known_regions():
    """Every region of every AWS partition, from botocore's own endpoint data (no AWS call).

    Read as plain JSON from botocore's data directory, where ``endpoints.json`` lists each partition's
    regions: importing ``botocore.session`` and asking it (``get_available_regions``) costs 0.5 s in a
    worker that has not imported botocore yet, most of it loading EC2's service model, for the same list.
    botocore's loader is the fallback should the file move."""
    if not _REGIONS:
        spec = importlib.util.find_spec("botocore")
        path = os.path.join(spec.submodule_search_locations[0], "data", "endpoints.json") if spec else ""
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                endpoints = json.load(handle)
        else:
            import botocore.loaders  # pylint: disable=import-outside-toplevel

            endpoints = botocore.loaders.create_loader().load_data("endpoints")
        for partition in endpoints["partitions"]:
            _REGIONS.extend(partition["regions"])
    return _REGIONS
