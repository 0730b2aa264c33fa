"""The CDK app's five stacks of one environment, deployed with CloudFormation into a local AWS endpoint.

The templates under ``tests/integration/cdk/`` mirror what the CDK app (the specification's
``network.stack.ts``, ``database.stack.ts``, ``ecr.stack.ts``, ``compute.stack.ts`` and
``scheduled-task.stack.ts``) deploys, with its stack names ``${appName}-${environment}-${stackType}``, its
output ids and its export names, trimmed to what moto's CloudFormation creates (docs/emulator-gaps.md,
"CDK takeover"): the Aurora cluster, its writer and its generated secret, which moto's CloudFormation
cannot create, are made here with boto3 beside the database stack, with the identifiers CloudFormation
generates for resources the app never names, and handed to that stack for its outputs.

``deploy_cdk_app(ansible, lz)`` returns a ``CdkApp`` with the stack names and the physical ids a test
checks after a takeover.
"""

import hashlib
import json
import os
import secrets
import string

import yaml

CDK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cdk")
STACK_TYPES = ("network", "database", "ecr", "compute", "scheduled-task")


class CdkApp:
    """What ``deploy_cdk_app`` made: stack names by type, and the ids of what the stacks (and the test) created."""

    def __init__(self, prefix, stacks, ids):
        self.prefix = prefix
        self.stacks = stacks
        self.ids = ids

    def __repr__(self):
        return f"<CdkApp {self.prefix} {self.stacks} {self.ids}>"


def template(stack_type):
    """A template as JSON, as ``cdk deploy`` sends it (CDK synthesizes JSON): GetTemplate then answers a document."""
    with open(os.path.join(CDK_DIR, f"{stack_type}.yaml"), encoding="utf-8") as handle:
        return json.dumps(yaml.safe_load(handle))


def subnets_by_tier(ansible, vpc_id):
    """(public subnet ids, private subnet ids) of the landing zone's VPC, by their Name tags."""
    found = ansible.client("ec2").describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    named = sorted((next(t["Value"] for t in s.get("Tags", []) if t["Key"] == "Name"), s["SubnetId"]) for s in found)
    return ([sid for name, sid in named if "-public-" in name], [sid for name, sid in named if "-private-" in name])


def generated(stack_name, logical_id, lower=True):
    """A name as CloudFormation generates it for a resource its template does not name."""
    suffix = hashlib.sha256((stack_name + logical_id).encode()).hexdigest()[:12]
    name = f"{f'{stack_name}-{logical_id}'[:63 - len(suffix) - 1].rstrip('-')}-{suffix}"   # RDS: 63 at most
    return name.lower() if lower else name


def password_digest(secret_string):
    """The SHA-256 of the password in a credentials secret's document: compared, never shown."""
    return hashlib.sha256(json.loads(secret_string)["password"].encode()).hexdigest()


def create_stack(ansible, name, stack_type, parameters):
    cfn = ansible.client("cloudformation")
    cfn.create_stack(
        StackName=name,
        TemplateBody=template(stack_type),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM"],
        Tags=[{"Key": "App", "Value": "nestjs-playground"}],
    )
    status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE", f"{name}: {status}"


def database_beside_the_stack(ansible, stack_name, private_subnets, app="nestjs-playground"):
    """The cluster, its writer and its generated secret, as the CDK database stack creates them."""
    password = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(30))
    cluster_id = generated(stack_name, "DatabaseClusterB3A0F9F5")
    rds = ansible.client("rds")
    subnet_group = generated(stack_name, "DatabaseClusterSubnets")
    rds.create_db_subnet_group(DBSubnetGroupName=subnet_group, DBSubnetGroupDescription="Subnets for the Aurora cluster",
                               SubnetIds=private_subnets)
    cluster = rds.create_db_cluster(
        DBClusterIdentifier=cluster_id, Engine="aurora-postgresql", EngineVersion="17.5", MasterUsername="postgres",
        MasterUserPassword=password, DatabaseName=app.replace("-", "_"), DBSubnetGroupName=subnet_group,
        StorageEncrypted=True, BackupRetentionPeriod=1,
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 1},
    )["DBCluster"]
    writer = generated(stack_name, "DatabaseClusterwriter")
    rds.create_db_instance(DBInstanceIdentifier=writer, DBClusterIdentifier=cluster_id, Engine="aurora-postgresql",
                           DBInstanceClass="db.serverless")
    document = {"username": "postgres", "password": password, "engine": "postgres", "host": cluster["Endpoint"],
                "port": 5432, "dbname": app.replace("-", "_"), "dbClusterIdentifier": cluster_id}
    secret = ansible.client("secretsmanager").create_secret(
        Name=generated(stack_name, "DatabaseClusterSecret", lower=False), SecretString=json.dumps(document))
    return {"cluster": cluster_id, "cluster_endpoint": cluster["Endpoint"], "writer": writer, "subnet_group": subnet_group,
            "secret_arn": secret["ARN"], "secret_name": secret["Name"], "password_digest": password_digest(json.dumps(document))}


def deploy_cdk_app(ansible, lz, app="nestjs-playground", env="dev", scheduler=True, image_tag="latest"):
    """The five stacks of ``app``-``env`` on the landing zone ``lz`` (the vars landing_zone.yml wrote)."""
    prefix = f"{app}-{env}"
    stacks = {kind: f"{prefix}-{kind}" for kind in STACK_TYPES}
    fqdn = f"{lz['domain_name']}.{lz['hosted_zone_name']}"
    public, private = subnets_by_tier(ansible, lz["vpc_id"])
    account = ansible.client("sts").get_caller_identity()["Account"]
    image = f"{account}.dkr.ecr.{ansible.emulator.region}.amazonaws.com/{app}:{image_tag}"
    create_stack(ansible, stacks["network"], "network", {
        "Prefix": prefix, "VpcId": lz["vpc_id"], "HostedZoneId": lz["hosted_zone_id"], "Fqdn": fqdn,
        "CertificateArn": lz["certificate_arn"]})
    database = database_beside_the_stack(ansible, stacks["database"], private, app)
    create_stack(ansible, stacks["database"], "database", {
        "Prefix": prefix, "VpcId": lz["vpc_id"], "PrivateSubnetIds": ",".join(private),
        "ClusterEndpoint": database["cluster_endpoint"], "ClusterPort": "5432", "DatabaseName": app.replace("-", "_"),
        "SecretArn": database["secret_arn"]})
    # The cluster in the stack's security group, as the app puts it (made after the cluster, which the stack outputs).
    database_group = next(r["PhysicalResourceId"] for r in ansible.client("cloudformation").list_stack_resources(
        StackName=stacks["database"])["StackResourceSummaries"] if r["LogicalResourceId"] == "DatabaseSecurityGroup")
    ansible.client("rds").modify_db_cluster(DBClusterIdentifier=database["cluster"], VpcSecurityGroupIds=[database_group],
                                            ApplyImmediately=True)
    create_stack(ansible, stacks["ecr"], "ecr", {"Prefix": prefix, "RepositoryName": app})
    create_stack(ansible, stacks["compute"], "compute", {
        "Prefix": prefix, "AppName": app, "VpcId": lz["vpc_id"], "PublicSubnetIds": ",".join(public),
        "PrivateSubnetIds": ",".join(private), "HostedZoneId": lz["hosted_zone_id"], "Fqdn": fqdn,
        "CertificateArn": lz["certificate_arn"], "Image": image})
    if scheduler:
        create_stack(ansible, stacks["scheduled-task"], "scheduled-task", {
            "Prefix": prefix, "AppName": app, "EnvironmentName": env, "VpcId": lz["vpc_id"],
            "PrivateSubnetIds": ",".join(private), "Image": image, "Cron": "0 2 * * *"})
    else:
        del stacks["scheduled-task"]
    ids = dict(database)
    cfn = ansible.client("cloudformation")
    for kind, name in stacks.items():
        for resource in cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]:
            ids[f"{kind}/{resource['LogicalResourceId']}"] = resource.get("PhysicalResourceId")
    return CdkApp(prefix, stacks, ids)
