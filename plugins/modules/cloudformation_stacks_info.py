#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudformation_stacks_info
version_added: 0.2.0
short_description: Read the CDK app's CloudFormation stacks of an environment, and the identity the roles adopt
description:
  - Reads, for C(playbooks/adopt_cdk.yml), the stacks of O(stacks) that exist - their status, resources with
    their physical ids, outputs and exports - and, for each export, the stacks that import it (C(ListImports)).
  - Derives the adopted identity - the role variables whose value must be the existing resource's name because it
    differs from the collection's (O(names)) - the Aurora cluster's identifier (CloudFormation generated it), its
    writer instance (and its one reader, if any) and subnet group, the credentials secret, the load balancer and target group, and any other
    name of O(names) the stacks' resources do not share. The cluster and the secret are found among the database
    stack's resources, else through its outputs C(DatabaseClusterEndpoint) and C(DatabaseSecretArn).
  - With O(verify), checks instead that each resource listed still exists (after the stacks' deletion).
  - Makes only read calls; never reads a secret's value.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  stacks:
    description:
      - The CDK app's stacks of the environment, by stack type (C(network), C(database), C(ecr), C(compute),
        C(scheduled-task)) - the stack's name.
    type: dict
    default: {}
  names:
    description:
      - The names the roles give the resources (role variable - value), for example
        C(ecs_cluster_name), C(alb_name), C(database_cluster_identifier). A variable whose existing resource has
        another name is in RV(identity).
    type: dict
    default: {}
  verify:
    description:
      - Resources (as RV(stacks[].resources) lists them, with C(type), C(logical_id), C(physical_id)) whose existence
        is checked; RV(missing) lists those gone. Types it cannot check are in RV(unchecked).
    type: list
    elements: dict
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read the CDK app's stacks of the environment
  nestjs_playground.infra.cloudformation_stacks_info:
    stacks:
      compute: nestjs-playground-dev-compute
      database: nestjs-playground-dev-database
    names:
      ecs_cluster_name: nestjs-playground-dev
      database_cluster_identifier: nestjs-playground-dev
  register: cdk
"""

RETURN = r"""
stacks:
  description: The stacks of O(stacks) that exist, in the order given.
  returned: unless O(verify) is given
  type: list
  elements: dict
  contains:
    type:
      description: The stack type (the key of O(stacks)).
      type: str
    name:
      description: The stack's name.
      type: str
    status:
      description: Its status.
      type: str
    resources:
      description: Its resources, each with C(type), C(logical_id) and C(physical_id).
      type: list
      elements: dict
    outputs:
      description: Its outputs, output id - value.
      type: dict
exports:
  description: The exports of those stacks, each with C(name), C(stack) and C(importers) (the stacks importing it).
  returned: unless O(verify) is given
  type: list
  elements: dict
imported_elsewhere:
  description: The exports that a stack outside O(stacks) imports, each with C(name) and C(importers).
  returned: unless O(verify) is given
  type: list
  elements: dict
identity:
  description:
    - The role variables whose value must be the existing resource's name, variable - name.
    - And C(database_extra_security_group_ids) and C(alb_extra_security_group_ids), the groups the cluster and the load
      balancer hold now, kept beside the collection's until the services have rolled.
  returned: unless O(verify) is given
  type: dict
  sample: {database_cluster_identifier: nestjs-playground-dev-database-databasecluster5b53a178-abcdefgh, alb_name: nestjs-Appli-1A2B3C}
cluster:
  description: The Aurora cluster found, with C(identifier), C(endpoint), C(writer), C(readers), C(subnet_group) and C(security_groups); empty when none.
  returned: unless O(verify) is given
  type: dict
missing:
  description: The resources of O(verify) that no longer exist, one sentence each.
  returned: when O(verify) is given
  type: list
  elements: str
unchecked:
  description: The resources of O(verify) of a type this module does not check.
  returned: when O(verify) is given
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.nestjs_playground.infra.plugins.module_utils.deployment import Reader
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_role
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_secret
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_task_definition

# (stack type, resource type) -> (role variable, how its name is read from the physical id)
NAMED = {
    ("compute", "AWS::ECS::Cluster"): ("ecs_cluster_name", "name"),
    ("compute", "AWS::ECS::Service"): ("ecs_service_name", "last"),
    ("compute", "AWS::ECS::TaskDefinition"): ("ecs_task_family", "family"),
    ("compute", "AWS::Logs::LogGroup"): ("ecs_log_group_name", "name"),
    ("compute", "AWS::ElasticLoadBalancingV2::LoadBalancer"): ("alb_name", "load_balancer"),
    ("compute", "AWS::ElasticLoadBalancingV2::TargetGroup"): ("alb_target_group_name", "target_group"),
    ("ecr", "AWS::ECR::Repository"): ("ecr_repository_name", "name"),
    ("scheduled-task", "AWS::ECS::Service"): ("scheduler_service_name", "last"),
    ("scheduled-task", "AWS::ECS::TaskDefinition"): ("scheduler_task_family", "family"),
    ("scheduled-task", "AWS::Logs::LogGroup"): ("scheduler_log_group_name", "name"),
}


def name_from(physical_id, how):
    """A resource's name from its physical id: an ECS service ARN's last part, a task definition ARN's family, a load
    balancer's or target group's name from its ARN, else the id itself."""
    if how == "last":
        return physical_id.rsplit("/", 1)[-1]
    if how == "family":
        return physical_id.rsplit("/", 1)[-1].rsplit(":", 1)[0]
    if how == "load_balancer":   # arn:...:loadbalancer/app/<name>/<id>
        return physical_id.split(":loadbalancer/", 1)[-1].split("/")[1]
    if how == "target_group":    # arn:...:targetgroup/<name>/<id>
        return physical_id.split(":targetgroup/", 1)[-1].split("/")[0]
    return physical_id


def identity(stacks, names, cluster, secret_name, load_balancer_groups=()):
    """The role variables of ``names`` whose existing resource has another name: variable -> existing name; and the
    security groups the cluster and the load balancer hold now (the CDK app's), kept beside the collection's by
    ``database_extra_security_group_ids`` and ``alb_extra_security_group_ids`` so that the tasks the app started keep
    reaching the database and stay reachable until the services have rolled. Pure."""
    found = {}
    for stack in stacks:
        for resource in stack["resources"]:
            named = NAMED.get((stack["type"], resource["type"]))
            if named and resource["physical_id"] and named[0] not in found:
                found[named[0]] = name_from(resource["physical_id"], named[1])
    if cluster:
        found.update(database_cluster_identifier=cluster["identifier"], database_subnet_group_name=cluster["subnet_group"])
        if cluster.get("writer"):
            found["database_writer_instance_identifier"] = cluster["writer"]
        if len(cluster.get("readers") or []) == 1:   # the app's read replica (CDK_DATABASE_READ_REPLICA)
            found["database_reader_instance_identifier"] = cluster["readers"][0]
    if secret_name:
        found["database_credentials_secret_name"] = secret_name
    adopted = {var: value for var, value in sorted(found.items()) if var in names and names[var] != value}
    if cluster and cluster.get("security_groups"):
        adopted["database_extra_security_group_ids"] = sorted(cluster["security_groups"])
    if load_balancer_groups:
        adopted["alb_extra_security_group_ids"] = sorted(load_balancer_groups)
    return adopted


def imported_elsewhere(exports, stack_names):
    """The exports some stack outside ``stack_names`` imports, with those importers. Pure."""
    return [{"name": e["name"], "importers": [s for s in e["importers"] if s not in stack_names]}
            for e in exports if any(s not in stack_names for s in e["importers"])]


class StacksReader(Reader):

    def stacks(self, by_type):
        live = self.live_stacks(list(by_type.values()))
        found = []
        for kind, name in by_type.items():
            if name not in live:
                continue
            described = self.calls("cloudformation").call(f"describe the CloudFormation stack {name}", "describe_stacks",
                                                          StackName=live[name]["StackId"])["Stacks"][0]
            found.append({
                "type": kind, "name": name, "id": live[name]["StackId"], "status": described["StackStatus"],
                "resources": self.stack_resources(live[name]["StackId"], name),
                "outputs": {o["OutputKey"]: o.get("OutputValue", "") for o in described.get("Outputs", [])},
            })
        return found

    def exports(self, stacks):
        ids = {s["id"]: s["name"] for s in stacks}
        if not ids:
            return []
        cloudformation = self.calls("cloudformation")
        exports = []
        for export in cloudformation.pages("list the CloudFormation exports", "list_exports")["Exports"]:
            if export.get("ExportingStackId") not in ids:
                continue
            imports = cloudformation.pages(f"list the stacks importing {export['Name']}", "list_imports",
                                           answers={"ValidationError": {"Imports": []}}, ExportName=export["Name"])
            exports.append({"name": export["Name"], "stack": ids[export["ExportingStackId"]], "importers": imports["Imports"]})
        return exports

    def cluster(self, stacks):
        """The Aurora cluster of the database stack: its resource, else the cluster whose endpoint its output names."""
        database = [s for s in stacks if s["type"] == "database"]
        if not database:
            return {}
        identifiers = [r["physical_id"] for r in database[0]["resources"] if r["type"] == "AWS::RDS::DBCluster" and r["physical_id"]]
        endpoint = database[0]["outputs"].get("DatabaseClusterEndpoint")
        clusters = self.calls("rds").pages("read the Aurora clusters", "describe_db_clusters")["DBClusters"]
        match = [c for c in clusters if c["DBClusterIdentifier"] in identifiers or (endpoint and c.get("Endpoint") == endpoint)]
        if not match:
            return {}
        cluster = match[0]
        writers = [m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", []) if m.get("IsClusterWriter")]
        readers = [m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", []) if not m.get("IsClusterWriter")]
        return {"identifier": cluster["DBClusterIdentifier"], "endpoint": cluster.get("Endpoint"),
                "writer": writers[0] if writers else None, "readers": readers, "subnet_group": cluster.get("DBSubnetGroup"),
                "security_groups": [g["VpcSecurityGroupId"] for g in cluster.get("VpcSecurityGroups", [])
                                    if g.get("Status", "active") == "active"]}

    def load_balancer_groups(self, stacks):
        """The security groups of the compute stack's load balancer, as they are."""
        arns = [r["physical_id"] for s in stacks if s["type"] == "compute" for r in s["resources"]
                if r["type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer" and r["physical_id"]]
        if not arns:
            return []
        found = self.calls("elbv2").call(f"read the load balancer {arns[0]}", "describe_load_balancers", missing=None,
                                         LoadBalancerArns=arns[:1])
        balancers = (found or {}).get("LoadBalancers") or [{}]
        return balancers[0].get("SecurityGroups", [])

    def secret_name(self, stacks):
        database = [s for s in stacks if s["type"] == "database"]
        if not database:
            return None
        arns = [r["physical_id"] for r in database[0]["resources"] if r["type"] == "AWS::SecretsManager::Secret" and r["physical_id"]]
        arn = arns[0] if arns else database[0]["outputs"].get("DatabaseSecretArn")
        if not arn:
            return None
        secret = find_secret(self.calls("secretsmanager"), arn, f"read the secret {arn}")
        return secret["Name"] if secret else None

    def exists(self, resource):
        """Whether ``resource`` still exists; None for a type not checked."""
        kind, physical = resource["type"], resource["physical_id"]
        if kind == "AWS::ECS::Cluster":
            return self.ecs_cluster(physical) is not None
        if kind == "AWS::ECS::Service":
            cluster = physical.split(":service/", 1)[-1].split("/")[0]
            found = self.calls("ecs").call(f"read the ECS service {physical}", "describe_services", cluster=cluster,
                                           services=[physical])["services"]
            return any(s["status"] == "ACTIVE" for s in found)
        if kind == "AWS::ECS::TaskDefinition":
            return find_task_definition(self.calls("ecs"), physical, f"read the task definition {physical}",
                                        answers={"ClientException": None}) is not None
        if kind == "AWS::Logs::LogGroup":
            return self.log_group_exists(physical)
        if kind == "AWS::ECR::Repository":
            return self.repository(physical) is not None
        if kind == "AWS::ElasticLoadBalancingV2::LoadBalancer":
            return self.calls("elbv2").call(f"read the load balancer {physical}", "describe_load_balancers", missing=None,
                                            LoadBalancerArns=[physical]) is not None
        if kind == "AWS::ElasticLoadBalancingV2::TargetGroup":
            return self.calls("elbv2").call(f"read the target group {physical}", "describe_target_groups", missing=None,
                                            TargetGroupArns=[physical]) is not None
        if kind == "AWS::ElasticLoadBalancingV2::Listener":
            return self.calls("elbv2").call(f"read the listener {physical}", "describe_listeners", missing=None,
                                            ListenerArns=[physical]) is not None
        if kind == "AWS::EC2::SecurityGroup":
            return self.calls("ec2").call(f"read the security group {physical}", "describe_security_groups", missing=None,
                                          answers={"InvalidGroup.NotFound": None}, GroupIds=[physical]) is not None
        if kind == "AWS::IAM::Role":
            return find_role(self.calls("iam"), physical, f"read the role {physical}") is not None
        if kind == "AWS::RDS::DBCluster":
            return self.db_cluster(physical) is not None
        if kind == "AWS::SecretsManager::Secret":
            return self.secret(physical) is not None
        return None


def verify(reader, resources):
    missing, unchecked = [], []
    for resource in resources:
        label = f"{resource['type']} {resource['logical_id']} = {resource['physical_id']}"
        if not resource.get("physical_id"):
            unchecked.append(label)
            continue
        exists = reader.exists(resource)
        if exists is None:
            unchecked.append(label)
        elif not exists:
            missing.append(label)
    return missing, unchecked


def main():
    argument_spec = dict(
        stacks=dict(type="dict", default={}),
        names=dict(type="dict", default={}),
        verify=dict(type="list", elements="dict"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    reader = StacksReader(module)
    if module.params["verify"] is not None:
        missing, unchecked = verify(reader, module.params["verify"])
        module.exit_json(changed=False, missing=missing, unchecked=unchecked)
    stacks = reader.stacks(module.params["stacks"])
    exports = reader.exports(stacks)
    cluster = reader.cluster(stacks)
    secret_name = reader.secret_name(stacks)
    module.exit_json(
        changed=False, stacks=stacks, exports=exports, cluster=cluster,
        imported_elsewhere=imported_elsewhere(exports, {s["name"] for s in stacks}),
        identity=identity(stacks, module.params["names"], cluster, secret_name, reader.load_balancer_groups(stacks)),
    )


if __name__ == "__main__":
    main()
