"""What a local AWS endpoint holds, kind by kind, for the teardown tests (test_destroy_*.py).

``what_exists`` lists every kind of resource site.yml creates and the imported network it builds on, each
as a sorted list of names (identifiers AWS makes up, like ARNs, are reduced to names so that two
converges compare equal). ``requests_served`` counts the requests the emulator has been sent (its own
count), to prove that a run made no AWS call at all.
"""

import json
import urllib.request

# What site.yml creates: destroy.yml leaves none of it outside prd.
CREATED = (
    "ecs clusters", "ecs services", "task definition families", "load balancers", "listeners", "target groups",
    "security groups", "iam roles", "log groups", "ecr repositories", "ecr images", "db clusters", "db instances",
    "db subnet groups", "db cluster snapshots", "secrets", "dns records", "scalable targets", "scaling policies",
    "db cluster parameter groups", "flow logs",
    "alarms", "sns topics",
)
# What it imports (the landing zone's): destroy.yml never deletes it.
IMPORTED = ("vpcs", "subnets", "hosted zones", "certificates", "ssm parameters")


def _ecs(ansible):
    ecs = ansible.client("ecs")
    arns = ecs.list_clusters()["clusterArns"]
    clusters = [c for c in ecs.describe_clusters(clusters=arns)["clusters"] if c["status"] == "ACTIVE"] if arns else []
    services = []
    for cluster in clusters:
        service_arns = ecs.list_services(cluster=cluster["clusterName"])["serviceArns"]
        if service_arns:
            described = ecs.describe_services(cluster=cluster["clusterName"], services=service_arns)["services"]
            services += [f"{cluster['clusterName']}/{s['serviceName']}" for s in described if s["status"] != "INACTIVE"]
    families = {arn.split("/")[-1].rsplit(":", 1)[0] for arn in ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]}
    return {
        "ecs clusters": sorted(c["clusterName"] for c in clusters),
        "ecs services": sorted(services),
        "task definition families": sorted(families),
    }


def _load_balancing(ansible):
    elbv2 = ansible.client("elbv2")
    balancers = elbv2.describe_load_balancers()["LoadBalancers"]
    return {
        "load balancers": sorted(b["LoadBalancerName"] for b in balancers),
        "listeners": sorted(
            f"{b['LoadBalancerName']}:{listener['Port']}"
            for b in balancers for listener in elbv2.describe_listeners(LoadBalancerArn=b["LoadBalancerArn"])["Listeners"]
        ),
        "target groups": sorted(g["TargetGroupName"] for g in elbv2.describe_target_groups()["TargetGroups"]),
    }


def _database(ansible):
    rds = ansible.client("rds")
    return {
        "db clusters": sorted(c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]),
        "db instances": sorted(i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]),
        "db subnet groups": sorted(g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]),
        "db cluster parameter groups": sorted(
            g["DBClusterParameterGroupName"] for g in rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]
            if not g["DBClusterParameterGroupName"].startswith("default.")
        ),
        # Manual ones: the emulator keeps a cluster's automated snapshot after the cluster (docs/emulator-gaps.md).
        "db cluster snapshots": sorted(
            s["DBClusterSnapshotIdentifier"] for s in rds.describe_db_cluster_snapshots()["DBClusterSnapshots"]
            if s["SnapshotType"] == "manual"
        ),
    }


def _dns(ansible):
    route53 = ansible.client("route53")
    zones = route53.list_hosted_zones()["HostedZones"]
    return {
        "hosted zones": sorted(z["Name"] for z in zones),
        "dns records": sorted(
            f"{r['Name']} {r['Type']}" for z in zones
            for r in route53.list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"]
            if r["Type"] not in ("NS", "SOA")
        ),
    }


def what_exists(ansible):
    """Every kind of resource in CREATED and IMPORTED, each a sorted list of names."""
    ec2, iam, logs, ecr = (ansible.client(s) for s in ("ec2", "iam", "logs", "ecr"))
    secrets, scaling, ssm, acm = (ansible.client(s) for s in ("secretsmanager", "application-autoscaling", "ssm", "acm"))
    repositories = ecr.describe_repositories()["repositories"]
    state = {
        "security groups": sorted(g["GroupName"] for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] != "default"),
        "iam roles": sorted(r["RoleName"] for r in iam.list_roles()["Roles"]),
        "log groups": sorted(g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]),
        "ecr repositories": sorted(r["repositoryName"] for r in repositories),
        "ecr images": sorted(
            f"{r['repositoryName']}:{i.get('imageTag', i['imageDigest'])}" for r in repositories
            for i in ecr.list_images(repositoryName=r["repositoryName"])["imageIds"]
        ),
        # Also those scheduled for deletion: outside prd they go at once, without a recovery window.
        "secrets": sorted(s["Name"] for s in secrets.list_secrets(IncludePlannedDeletion=True)["SecretList"]),
        "flow logs": sorted(f"{f['ResourceId']} -> {f.get('LogGroupName')}" for f in ec2.describe_flow_logs()["FlowLogs"]),
        "scalable targets": sorted(t["ResourceId"] for t in scaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]),
        "scaling policies": sorted(p["PolicyName"] for p in scaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]),
        "vpcs": sorted(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]),
        "subnets": sorted(s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]),
        "certificates": sorted(c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"]),
        "ssm parameters": sorted(p["Name"] for p in ssm.describe_parameters()["Parameters"]),
        # The monitoring role's; autoscaling's own target-tracking alarms go with its scaling policies.
        "alarms": sorted(a["AlarmName"] for a in ansible.client("cloudwatch").describe_alarms()["MetricAlarms"]
                         if not a["AlarmName"].startswith("TargetTracking-")),
        "sns topics": sorted(t["TopicArn"].split(":")[-1] for t in ansible.client("sns").list_topics()["Topics"]),
    }
    for part in (_ecs, _load_balancing, _database, _dns):
        state.update(part(ansible))
    assert set(state) == set(CREATED) | set(IMPORTED)
    return state


def push_image(ansible, repository, tag="latest"):
    """Puts an image (a manifest only) into ``repository``, as `docker push` would."""
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2,
                           "digest": "sha256:" + "0" * 64}, "layers": []}
    ansible.client("ecr").put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag)


def requests_served(emulator):
    """How many AWS requests the emulator has been sent so far: its own count (snapshot_server.py), which a
    request raises as it arrives, so that once a run has ended every request it made is counted."""
    with urllib.request.urlopen(f"{emulator.url}/_snapshot/served", timeout=30) as response:
        return int(response.read().decode())


def start_tasks(ansible, cluster, service):
    """Makes the emulator's ``service`` run the tasks it wants, as ECS does once they start.

    The emulator reports a created service with 0 running and all its desired tasks pending, forever (AWS
    starts them), so a wait until it is stable never ends; an UpdateService that sets the desired count
    (here to the count it has) makes it report them running (docs/emulator-gaps.md).
    """
    ecs = ansible.client("ecs")
    (described,) = ecs.describe_services(cluster=cluster, services=[service])["services"]
    ecs.update_service(cluster=cluster, service=service, desiredCount=described["desiredCount"])
