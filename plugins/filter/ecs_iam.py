# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The least-privilege IAM policies of an ECS task: one definition shared by the application
(nestjs_playground.infra.ecs_service) and the scheduler (nestjs_playground.infra.ecs_scheduler)."""

DOCUMENTATION = r"""
name: ecs_execution_policy
version_added: 0.1.0
short_description: The inline policy of an ECS task execution role, on named resources only
description:
  - Returns the IAM policy document that lets ECS pull the task's image from one ECR repository, write
    the task's logs into one log group, and read exactly the task's secrets and SSM parameters.
  - C(ecr:GetAuthorizationToken) has no resource-level control in IAM, so it is the one action on C(*).
  - The sibling filter C(ecs_task_policy) returns the policy of the task role (the application's own AWS access) -
    read the task's secrets and SSM parameters; optionally open ECS Exec sessions (C(execute_command)), put
    metrics into one CloudWatch namespace only (C(metrics_namespace), through the condition
    C(cloudwatch:namespace)), and send X-Ray traces from a daemon sidecar (C(xray)).
positional: log_group_arn, secret_arns, parameter_arns
options:
  _input:
    description: The ARN of the ECR repository holding the task's image.
    type: str
    required: true
  log_group_arn:
    description: The ARN of the task's log group (without C(:*)).
    type: str
    required: true
  secret_arns:
    description: The Secrets Manager secrets the task definition references.
    type: list
    elements: str
    required: true
  parameter_arns:
    description: The SSM parameters the task definition references.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
policy_document: >-
  {{ repository_arn | nestjs_playground.infra.ecs_execution_policy(log_group_arn, [secret_arn], [jwt_parameter_arn]) }}
task_policy: >-
  {{ [secret_arn] | nestjs_playground.infra.ecs_task_policy([jwt_parameter_arn], execute_command=true) }}
application_task_policy: >-
  {{ [secret_arn] | nestjs_playground.infra.ecs_task_policy([jwt_parameter_arn],
       metrics_namespace='nestjs-playground/dev', xray=true) }}
"""

RETURN = r"""
_value:
  description: The policy document.
  type: dict
"""

# The X-Ray daemon's actions (those of the AWS managed policy AWSXRayDaemonWriteAccess): it sends
# segments and telemetry and reads the sampling rules. X-Ray offers no resource-level control for them.
XRAY_DAEMON_ACTIONS = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
]

# ECS Exec opens its session through these four; IAM offers no resource-level control for them.
EXECUTE_COMMAND_ACTIONS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]


def _statement(sid, action, resource):
    return {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}


def _as_list(value):
    return [value] if isinstance(value, str) else list(value)


def ecs_execution_policy(repository_arn, log_group_arn, secret_arns, parameter_arns):
    return {
        "Version": "2012-10-17",
        "Statement": [
            _statement("AuthenticateToEcr", "ecr:GetAuthorizationToken", "*"),
            _statement(
                "PullTheImage",
                ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                repository_arn,
            ),
            _statement("WriteTheLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], f"{log_group_arn}:log-stream:*"),
            _statement("ReadTheTaskSecrets", "secretsmanager:GetSecretValue", _as_list(secret_arns)),
            _statement("ReadTheJwtParameter", "ssm:GetParameters", _as_list(parameter_arns)),
        ],
    }


def ecs_task_policy(secret_arns, parameter_arns, execute_command=False, metrics_namespace=None, xray=False):
    """The task role's policy. ``metrics_namespace``: the one CloudWatch namespace the task may put metrics
    into (PutMetricData has no resource-level control, so the condition is what limits it); ``xray``: the
    X-Ray daemon sidecar's actions."""
    statements = [
        _statement("ReadTheTaskSecrets", ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], _as_list(secret_arns)),
        _statement("ReadTheJwtParameter", ["ssm:GetParameter", "ssm:GetParameters"], _as_list(parameter_arns)),
    ]
    if execute_command:
        statements.append(_statement("OpenEcsExecSessions", list(EXECUTE_COMMAND_ACTIONS), "*"))
    if metrics_namespace:
        metrics = _statement("PutMetricsInTheApplicationNamespace", "cloudwatch:PutMetricData", "*")
        metrics["Condition"] = {"StringEquals": {"cloudwatch:namespace": metrics_namespace}}
        statements.append(metrics)
    if xray:
        statements.append(_statement("SendXRayTraces", list(XRAY_DAEMON_ACTIONS), "*"))
    return {"Version": "2012-10-17", "Statement": statements}


class FilterModule:
    def filters(self):
        return {"ecs_execution_policy": ecs_execution_policy, "ecs_task_policy": ecs_task_policy}
