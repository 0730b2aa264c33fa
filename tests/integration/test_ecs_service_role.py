"""The ecs_service role through site.yml against one local AWS endpoint: converge, then the compute tier
alone (`--tags compute`, the other tiers read back as site.yml reads them): rerun, a `--check --diff` for
each single-input edit (it reports exactly the tasks that input changes and writes nothing), and a rerun
after autoscaling moved the desired count. State read with boto3. (The whole site's rerun:
test_site_dev.py.)"""

import json

import pytest

from conftest import converged

pytestmark = pytest.mark.integration

NAME = "nestjs-playground-dev"
TAGS = {"App": "nestjs-playground", "Env": "dev", "OU": "engineering", "Owner": "team@example.com"}
TASKDEF_TASK = "Ensure the task definition runs the image with its configuration and secrets"
SERVICE_TASK = "Ensure the Fargate service runs in the private subnets behind the target group"
SCALING_TASK = "Ensure the service scales between its minimum and maximum on average CPU"
REDIRECT_TASK = "Ensure the HTTP listener redirects to HTTPS"


def observe(ansible):
    ecs, elb, aas = ansible.client("ecs"), ansible.client("elbv2"), ansible.client("application-autoscaling")
    service = ecs.describe_services(cluster=NAME, services=[NAME])["services"][0]
    (alb,) = elb.describe_load_balancers(Names=[f"{NAME}-alb"])["LoadBalancers"]
    listeners = {l["Port"]: l for l in elb.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]}
    return {
        "service": service,
        "revisions": ecs.list_task_definitions(familyPrefix=NAME)["taskDefinitionArns"],
        "alb": alb,
        "listeners": listeners,
        "targets": aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"],
        "policies": aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"],
    }


@pytest.fixture(scope="module")
def scenario(ansible, tmp_path_factory):
    # The dev converge (--diff), restored when another module of this run made it (conftest.converged).
    lz, converge = converged(ansible, tmp_path_factory.mktemp("landing-zone"))
    steps = {"converge": (converge, observe(ansible))}

    def step(name, *extra, check=False, tags=("--tags", "compute")):
        run = ansible.playbook("site.yml", extra_vars=[lz, *extra], check=check, diff=True, args=list(tags))
        assert run.rc == 0, f"{name}: {run!r}"
        steps[name] = (run, observe(ansible))

    step("rerun")
    step("edit_env_value", {"app_logging_level": "debug"}, check=True)
    step("edit_memory", {"task_memory_mb": 1024}, check=True)
    step("edit_max_capacity", {"service_max_capacity": 10}, check=True)
    step("edit_redirect_code", {"alb_redirect_status_code": "HTTP_302"}, check=True)
    ansible.client("ecs").update_service(cluster=NAME, service=NAME, desiredCount=3)  # as autoscaling would
    step("rerun_after_autoscaling")
    return steps


def test_converge_and_rerun(scenario):
    assert scenario["converge"][0].host_stats()["changed"] > 0
    assert scenario["rerun"][0].host_stats()["changed"] == 0, scenario["rerun"][0].changed_tasks()


def test_the_cluster_has_container_insights_and_the_tags(ansible, scenario):
    (cluster,) = ansible.client("ecs").describe_clusters(clusters=[NAME], include=["SETTINGS", "TAGS"])["clusters"]
    assert {"name": "containerInsights", "value": "enabled"} in cluster["settings"]
    assert {t["key"]: t["value"] for t in cluster["tags"]} == TAGS


def test_the_task_definition_carries_the_configuration_and_the_secrets(ansible, scenario):
    service = scenario["converge"][1]["service"]
    definition = ansible.client("ecs").describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    assert (definition["cpu"], definition["memory"], definition["networkMode"]) == ("256", "512", "awsvpc")
    assert definition["requiresCompatibilities"] == ["FARGATE"]
    assert definition["executionRoleArn"].endswith(f":role/{NAME}-execution")
    assert definition["taskRoleArn"].endswith(f":role/{NAME}-task")
    (container,) = definition["containerDefinitions"]
    assert container["image"].endswith(".dkr.ecr.us-east-1.amazonaws.com/nestjs-playground:latest")
    assert container["portMappings"][0]["containerPort"] == 3000
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env == {"NODE_ENV": "production", "APP_PORT": "3000", "LOGGING_LEVEL": "info", "LOGGING_FORMAT": "json",
                   "CORS_ALLOWED_ORIGIN": "*", "JWT_EXPIRES_IN": "1h", "APP_VERSION": "latest"}
    secret_arn = ansible.client("secretsmanager").describe_secret(SecretId=f"{NAME}-db-credentials")["ARN"]
    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    assert secrets["DB_HOST"] == f"{secret_arn}:host::"
    assert secrets["DB_PASS"] == f"{secret_arn}:password::"
    assert set(secrets) == {"DB_HOST", "DB_PORT", "DB_USER", "DB_PASS", "DB_DATABASE", "JWT_SECRET"}
    assert secrets["JWT_SECRET"].endswith(":parameter/nestjs-playground/jwt-secret")
    options = container["logConfiguration"]["options"]
    assert options["awslogs-group"] == f"/ecs/{NAME}"
    assert (options["mode"], options["max-buffer-size"]) == ("non-blocking", "25m")


def test_the_roles_read_exactly_the_task_secrets_and_nothing_wider(ansible, scenario):
    iam = ansible.client("iam")
    for role in (f"{NAME}-execution", f"{NAME}-task"):
        (policy_name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
        document = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        # Each role reads the credentials secret (the agent injects it; the application may re-read it),
        # through exactly one statement naming exactly that secret.
        secret_statements = [s for s in document["Statement"] if "secretsmanager:GetSecretValue" in s["Action"]]
        assert len(secret_statements) == 1, (role, document)
        (secret_arn,) = _as_list(secret_statements[0]["Resource"])
        assert secret_arn.split(":secret:")[1].startswith(f"{NAME}-db-credentials"), (role, secret_arn)
        for statement in document["Statement"]:
            resources = _as_list(statement["Resource"])
            if statement["Action"] == "ecr:GetAuthorizationToken":
                continue  # IAM offers no resource-level control for it
            if statement["Action"] == "cloudwatch:PutMetricData":
                # no resource-level control either: the namespace condition is the whole limit
                assert statement["Condition"] == {"StringEquals": {"cloudwatch:namespace": "nestjs-playground/dev"}}
                continue
            assert "*" not in resources, (role, statement)


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_the_security_groups_chain_internet_to_alb_to_application(ansible, scenario):
    groups = {g["GroupName"]: g for g in ansible.client("ec2").describe_security_groups()["SecurityGroups"]}
    alb, app = groups[f"{NAME}-alb"], groups[f"{NAME}-app"]
    assert sorted(p["FromPort"] for p in alb["IpPermissions"]) == [80, 443]
    assert all(p["IpRanges"] == [{"CidrIp": "0.0.0.0/0", "Description": "HTTP and HTTPS from the internet"}]
               for p in alb["IpPermissions"])
    (rule,) = app["IpPermissions"]
    assert (rule["FromPort"], rule["ToPort"], rule["IpRanges"]) == (3000, 3000, [])
    assert [pair["GroupId"] for pair in rule["UserIdGroupPairs"]] == [alb["GroupId"]]


def test_the_load_balancer_terminates_https_and_redirects_http(scenario):
    state = scenario["converge"][1]
    assert state["alb"]["Scheme"] == "internet-facing"
    https, http = state["listeners"][443], state["listeners"][80]
    assert https["Protocol"] == "HTTPS" and https["DefaultActions"][0]["Type"] == "forward"
    redirect = http["DefaultActions"][0]["RedirectConfig"]
    assert (redirect["Protocol"], redirect["Port"], redirect["StatusCode"]) == ("HTTPS", "443", "HTTP_301")


def test_the_service_runs_privately_behind_the_target_group(ansible, scenario):
    service = scenario["converge"][1]["service"]
    assert service["launchType"] == "FARGATE"
    assert service["desiredCount"] == 0
    vpc = service["networkConfiguration"]["awsvpcConfiguration"]
    assert vpc.get("assignPublicIp", "DISABLED") == "DISABLED"
    private = {s["SubnetId"] for s in ansible.client("ec2").describe_subnets()["Subnets"]
               if s["CidrBlock"] in ("10.42.10.0/24", "10.42.11.0/24")}
    assert set(vpc["subnets"]) == private
    (lb,) = service["loadBalancers"]
    assert lb["targetGroupArn"].split(":targetgroup/")[1].startswith(f"{NAME}-tg/")
    (group,) = ansible.client("elbv2").describe_target_groups(Names=[f"{NAME}-tg"])["TargetGroups"]
    assert (group["HealthCheckPath"], group["HealthyThresholdCount"], group["UnhealthyThresholdCount"]) == ("/v1/health", 2, 5)
    assert (group["HealthCheckTimeoutSeconds"], group["HealthCheckIntervalSeconds"], group["TargetType"]) == (10, 30, "ip")


def test_the_service_scales_on_cpu_within_the_inventory_limits(scenario):
    state = scenario["converge"][1]
    (target,) = state["targets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (0, 2)
    (policy,) = state["policies"]
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert config["TargetValue"] == 50
    assert (config["ScaleInCooldown"], config["ScaleOutCooldown"]) == (300, 60)


def test_the_domain_points_at_the_load_balancer(ansible, scenario):
    zone_id = scenario["converge"][0].result("Import the existing VPC, hosted zone, certificate and JWT parameter")["hosted_zone_id"]
    records = ansible.client("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    (record,) = [r for r in records if r["Name"] == "nestjs-playground-api.example.com." and r["Type"] == "A"]
    assert record["AliasTarget"]["DNSName"].rstrip(".").lower() == scenario["converge"][1]["alb"]["DNSName"].lower()


@pytest.mark.parametrize(("step", "expected"), [
    ("edit_env_value", [TASKDEF_TASK, SERVICE_TASK]),
    ("edit_memory", [TASKDEF_TASK, SERVICE_TASK]),
    ("edit_max_capacity", [SCALING_TASK]),
    ("edit_redirect_code", [REDIRECT_TASK]),
])
def test_a_single_edit_in_check_mode_reports_exactly_its_tasks_and_writes_nothing(scenario, step, expected):
    run, state = scenario[step]
    assert run.changed_tasks() == expected
    before = scenario["rerun"][1]
    assert state["revisions"] == before["revisions"]
    assert state["targets"] == before["targets"]
    assert state["listeners"][80]["DefaultActions"] == before["listeners"][80]["DefaultActions"]


def test_the_env_value_edit_shows_the_new_value_in_the_diff(scenario):
    diff = scenario["edit_env_value"][0].result(TASKDEF_TASK)["diff"]
    assert "'LOGGING_LEVEL', 'value': 'debug'" in str(diff["after"]) or '"debug"' in json.dumps(diff["after"])
    assert "debug" not in json.dumps(diff["before"])


def test_a_rerun_after_autoscaling_moved_the_count_leaves_it_alone(scenario):
    run, state = scenario["rerun_after_autoscaling"]
    assert run.host_stats()["changed"] == 0, run.changed_tasks()
    assert state["service"]["desiredCount"] == 3
