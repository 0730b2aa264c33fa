from ansible_collections.nestjs_playground.infra.plugins.filter.ecs_iam import ecs_execution_policy
from ansible_collections.nestjs_playground.infra.plugins.filter.ecs_iam import ecs_task_policy

REPO = "arn:aws:ecr:us-east-1:123456789012:repository/app"
LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app-dev"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-dev-db-credentials-AbCdEf"
JWT = "arn:aws:ssm:us-east-1:123456789012:parameter/app/jwt-secret"


def by_sid(policy):
    assert policy["Version"] == "2012-10-17"
    return {statement["Sid"]: statement for statement in policy["Statement"]}


def test_the_execution_policy_names_its_resources_and_only_the_ecr_token_is_unscoped():
    statements = by_sid(ecs_execution_policy(REPO, LOGS, [SECRET], [JWT]))
    assert [s["Resource"] for s in statements.values() if s["Resource"] == "*"] == ["*"]
    assert statements["AuthenticateToEcr"]["Action"] == "ecr:GetAuthorizationToken"
    assert statements["PullTheImage"]["Resource"] == REPO
    assert statements["WriteTheLogs"]["Resource"] == LOGS + ":log-stream:*"
    assert statements["ReadTheTaskSecrets"]["Resource"] == [SECRET]
    assert statements["ReadTheJwtParameter"]["Resource"] == [JWT]
    assert all(s["Effect"] == "Allow" for s in statements.values())


def test_a_single_arn_is_accepted_where_a_list_is_expected():
    statements = by_sid(ecs_execution_policy(REPO, LOGS, SECRET, JWT))
    assert statements["ReadTheTaskSecrets"]["Resource"] == [SECRET]
    assert statements["ReadTheJwtParameter"]["Resource"] == [JWT]


def test_the_task_policy_reads_the_secrets_and_has_no_ecs_exec_by_default():
    statements = by_sid(ecs_task_policy([SECRET, SECRET + "2"], [JWT]))
    assert set(statements) == {"ReadTheTaskSecrets", "ReadTheJwtParameter"}
    assert statements["ReadTheTaskSecrets"]["Resource"] == [SECRET, SECRET + "2"]


def test_ecs_exec_adds_exactly_the_ssm_messages_channel_actions():
    statements = by_sid(ecs_task_policy([SECRET], [JWT], execute_command=True))
    exec_statement = statements["OpenEcsExecSessions"]
    assert exec_statement["Resource"] == "*"
    assert sorted(exec_statement["Action"]) == [
        "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
    ]


def test_metrics_may_go_into_the_application_namespace_only():
    statements = by_sid(ecs_task_policy([SECRET], [JWT], metrics_namespace="nestjs-playground/dev"))
    metrics = statements["PutMetricsInTheApplicationNamespace"]
    assert metrics["Action"] == "cloudwatch:PutMetricData"
    # PutMetricData has no resource-level control: the namespace condition is the whole limit, and it is exact
    assert metrics["Resource"] == "*"
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "nestjs-playground/dev"}}
    # nothing else of CloudWatch, and no wildcard action anywhere
    actions = [a for s in statements.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert [a for a in actions if a.startswith("cloudwatch:")] == ["cloudwatch:PutMetricData"]
    assert not [a for a in actions if "*" in a]


def test_without_a_namespace_there_is_no_metrics_statement():
    statements = by_sid(ecs_task_policy([SECRET], [JWT], metrics_namespace=None))
    assert "PutMetricsInTheApplicationNamespace" not in statements
    assert "PutMetricsInTheApplicationNamespace" not in by_sid(ecs_task_policy([SECRET], [JWT], metrics_namespace=""))


def test_xray_adds_exactly_the_daemon_actions_and_is_off_by_default():
    assert "SendXRayTraces" not in by_sid(ecs_task_policy([SECRET], [JWT]))
    xray = by_sid(ecs_task_policy([SECRET], [JWT], xray=True))["SendXRayTraces"]
    assert xray["Resource"] == "*"
    assert sorted(xray["Action"]) == [
        "xray:GetSamplingRules", "xray:GetSamplingStatisticSummaries", "xray:GetSamplingTargets",
        "xray:PutTelemetryRecords", "xray:PutTraceSegments",
    ]
