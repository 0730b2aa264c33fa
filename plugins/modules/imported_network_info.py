#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: imported_network_info
version_added: 0.1.0
short_description: Import and check the existing VPC, hosted zone, certificate and parameters an environment builds on
description:
  - Reads what the specification says already exists in the account - the VPC, its subnets, the
    Route 53 hosted zone, the ACM certificate and the SSM parameters the application reads - and
    returns what later roles need (subnet ids by tier, zone id, fully qualified domain name).
  - Subnets are classified as CDK does when it imports a VPC - public when the route table that
    applies to the subnet (its own, else the VPC's main table) routes to an internet gateway, private
    otherwise (typically egress through a NAT gateway).
  - Checks everything it is given and fails once, before any change is made, with one message that
    lists every problem, names the option and its value, and says how to fix it.
  - Makes only read calls, so it runs in check mode too. It never reads a parameter's value.
  - One module instead of six C(*_info) tasks and their assertions - the checks are Python, unit-tested,
    and the import costs one task.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  vpc_id:
    description:
      - The id of the existing VPC to import.
    required: true
    type: str
  min_private_availability_zones:
    description:
      - How many availability zones must hold at least one private subnet.
    type: int
    default: 2
  hosted_zone_id:
    description:
      - The id of the existing Route 53 hosted zone (with or without the C(/hostedzone/) prefix).
    type: str
  hosted_zone_name:
    description:
      - The name the hosted zone must have, for example C(example.com).
    type: str
  domain_name:
    description:
      - The application's subdomain, for example C(nestjs-playground-api); the fully qualified
        domain name is O(domain_name).O(hosted_zone_name).
    type: str
  certificate_arn:
    description:
      - The ARN of the existing ACM certificate; it must be C(ISSUED), in the module's region, and
        cover the fully qualified domain name when O(domain_name) and O(hosted_zone_name) are given.
    type: str
  required_parameters:
    description:
      - Names of SSM parameters that must exist. Only their existence is checked, never their value.
    type: list
    elements: str
    default: []
  expected_account_id:
    description:
      - When given, the credentials in use must belong to this AWS account.
    type: str
  cloudformation_stacks:
    description:
      - Names of CloudFormation stacks that must not exist - the CDK app's stacks of this environment
        (C(${appName}-${environment}-${stackType})), which own resources of the same names as those the roles
        manage. Each one found (in any status but C(DELETE_COMPLETE)) is a problem naming the stack, its status
        and each of its resources (type, logical id, physical id), with the way out - the takeover
        (C(playbooks/adopt_cdk.yml)).
      - Costs one C(ListStacks) call when none exists, and one C(ListStackResources) call per stack found.
    type: list
    elements: str
    default: []
    version_added: 0.2.0
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Import the existing network, zone, certificate and JWT parameter
  nestjs_playground.infra.imported_network_info:
    vpc_id: vpc-0123456789abcdef0
    hosted_zone_id: Z1234567890ABC
    hosted_zone_name: example.com
    domain_name: nestjs-playground-api
    certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-0000-4000-8000-000000000000
    required_parameters:
      - /nestjs-playground/jwt-secret
  register: network
"""

RETURN = r"""
account_id:
  description: The AWS account the credentials in use belong to.
  returned: always
  type: str
partition:
  description:
    - The partition of the credentials in use (from their ARN), which every ARN the roles derive starts with
      (C(arn:<partition>:...)).
  returned: always
  type: str
  sample: aws
vpc_id:
  description: The id of the VPC.
  returned: always
  type: str
vpc_cidr_block:
  description: The VPC's primary IPv4 CIDR block.
  returned: always
  type: str
private_subnet_ids:
  description: The private subnets, ordered by availability zone, then CIDR block.
  returned: always
  type: list
  elements: str
public_subnet_ids:
  description: The public subnets, ordered by availability zone, then CIDR block.
  returned: always
  type: list
  elements: str
subnets:
  description: Every subnet of the VPC with its tier.
  returned: always
  type: list
  elements: dict
  contains:
    subnet_id:
      description: The subnet's id.
      type: str
    availability_zone:
      description: Its availability zone.
      type: str
    cidr_block:
      description: Its IPv4 CIDR block.
      type: str
    public:
      description: Whether it routes to an internet gateway.
      type: bool
private_availability_zones:
  description: The availability zones that hold private subnets.
  returned: always
  type: list
  elements: str
hosted_zone_id:
  description: The hosted zone's id without the C(/hostedzone/) prefix.
  returned: when O(hosted_zone_id) is given
  type: str
hosted_zone_name:
  description: The hosted zone's name without the trailing dot.
  returned: when O(hosted_zone_id) is given
  type: str
fqdn:
  description: The application's fully qualified domain name.
  returned: when O(domain_name) and O(hosted_zone_name) are given
  type: str
  sample: nestjs-playground-api.example.com
certificate_arn:
  description: The certificate's ARN.
  returned: when O(certificate_arn) is given
  type: str
certificate:
  description: The certificate's status and names.
  returned: when O(certificate_arn) is given
  type: dict
  contains:
    status:
      description: Its status, C(ISSUED) when usable.
      type: str
    domain_name:
      description: Its primary domain name.
      type: str
    subject_alternative_names:
      description: Every name it covers.
      type: list
      elements: str
    not_after:
      description: When it expires (ISO 8601), when known.
      type: str
    type:
      description: C(AMAZON_ISSUED), C(IMPORTED) or C(PRIVATE).
      type: str
    renewal_status:
      description: The status of ACM's managed renewal, when one is under way.
      type: str
parameters:
  description: The names of the required SSM parameters, all of which exist.
  returned: always
  type: list
  elements: str
cloudformation_stacks:
  description: The stacks of O(cloudformation_stacks) found, with their resources (only on failure).
  returned: failure
  type: list
  elements: dict
  contains:
    name:
      description: The stack's name.
      type: str
    status:
      description: Its status.
      type: str
    resources:
      description: Its resources, each with C(type), C(logical_id) and C(physical_id) (empty when CloudFormation has none).
      type: list
      elements: dict
problems:
  description: Every problem found, one sentence each (only on failure).
  returned: failure
  type: list
  elements: str
"""

import ipaddress

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.nestjs_playground.infra.plugins.module_utils.deployment import Reader

TAKEOVER_HINT = (
    "Nothing was changed. These stacks are the CDK app's: a run would change resources CloudFormation still owns (the next "
    "cdk deploy or stack rollback fights it), create a second, empty database beside the stack's cluster and move DNS to a "
    "new load balancer. Take the environment over first: ansible-playbook playbooks/adopt_cdk.yml -i <inventory> (--check "
    "shows the plan; docs/migration-from-cdk.md). If these stacks are not this environment's, set cdk_stack_names to the "
    "stacks to look for ([] looks for none)."
)
JWT_HINT = 'aws ssm put-parameter --name "{name}" --type "SecureString" --value "your-secure-jwt-secret-key"'


def route_table_for(subnet_id, route_tables):
    """The route table that applies to a subnet: its explicit association, else the main table."""
    main = None
    for table in route_tables:
        for assoc in table.get("Associations", []):
            if assoc.get("SubnetId") == subnet_id:
                return table
            if assoc.get("Main"):
                main = table
    return main


def routes_to_internet_gateway(table):
    return any(
        (route.get("GatewayId") or "").startswith("igw-") and route.get("State", "active") == "active"
        for route in (table or {}).get("Routes", [])
    )


def classify_subnets(subnets, route_tables):
    """Each subnet as {subnet_id, availability_zone, cidr_block, public}, ordered by zone then CIDR."""
    classified = [
        {
            "subnet_id": subnet["SubnetId"],
            "availability_zone": subnet["AvailabilityZone"],
            "cidr_block": subnet.get("CidrBlock", ""),
            "public": routes_to_internet_gateway(route_table_for(subnet["SubnetId"], route_tables)),
        }
        for subnet in subnets
    ]
    return sorted(classified, key=lambda s: (s["availability_zone"], _cidr_key(s["cidr_block"]), s["subnet_id"]))


def _cidr_key(cidr):
    """Sorts IPv4 subnets by address, then anything else (an IPv6-only subnet has no CidrBlock)."""
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return (99, 0)
    return (network.version, int(network.network_address))


def name_covers(pattern, fqdn):
    """Whether a certificate name (``*.example.com`` or ``api.example.com``) covers ``fqdn``."""
    pattern = pattern.lower().rstrip(".")
    fqdn = fqdn.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _dot, rest = fqdn.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == fqdn


def normalise_zone_id(zone_id):
    return zone_id.rsplit("/", 1)[-1]


def arn_region(arn):
    """The region of an ACM certificate ARN; None for anything that is not one."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or parts[2] != "acm" or not parts[5].startswith("certificate/"):
        return None
    return parts[3]


def partition_of(arn):
    """The partition of an ARN (``aws``, ``aws-us-gov``, ``aws-cn``...): what every ARN the roles derive starts with."""
    return arn.split(":")[1]


def account_problems(expected, actual):
    if expected and str(expected) != actual:
        return [
            f"aws_account_id '{expected}' is not the account of the credentials in use ({actual}): use credentials "
            "(profile, role) of that account, or correct aws_account_id."
        ]
    return []


def subnet_problems(vpc_id, subnets, min_azs):
    private = [s for s in subnets if not s["public"]]
    zones = sorted({s["availability_zone"] for s in private})
    if len(zones) >= min_azs:
        return []
    where = ", ".join(f"{s['subnet_id']} ({s['availability_zone']})" for s in private) or "none"
    return [
        f"vpc_id '{vpc_id}' has {len(private)} private subnet(s) in {len(zones)} availability zone(s) "
        f"[{where}]; at least {min_azs} availability zones with a private subnet are needed for the "
        "database and the service. Private subnets are those whose route table has no route to an "
        "internet gateway: add private subnets in other zones, or choose another VPC."
    ]


def zone_problems(zone_id, wanted_name, actual_name):
    if actual_name is None:
        return [
            f"hosted_zone_id '{zone_id}' does not exist: set it to the id of the existing Route 53 "
            f"hosted zone{' of ' + repr(wanted_name) if wanted_name else ''}."
        ]
    if wanted_name and wanted_name.lower().rstrip(".") != actual_name.lower():
        return [
            f"hosted_zone_name '{wanted_name}' does not match hosted zone {zone_id}, whose name is "
            f"'{actual_name}': set hosted_zone_name to '{actual_name}', or hosted_zone_id to the zone of '{wanted_name}'."
        ]
    return []


def certificate_problems(arn, certificate, region, fqdn, fqdn_from):
    cert_region = arn_region(arn)
    if cert_region is None:
        return [f"certificate_arn '{arn}' is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)."]
    if cert_region != region:
        return [
            f"certificate_arn '{arn}' is in region {cert_region}, but this environment deploys to {region}: "
            f"a load balancer can only use an ACM certificate of its own region; request or import one in {region}."
        ]
    if certificate is None:
        return [f"certificate_arn '{arn}' does not exist in region {region}: set it to the ARN of an existing ACM certificate."]
    problems = []
    if certificate["status"] != "ISSUED":
        problems.append(
            f"certificate_arn '{arn}' has status {certificate['status']}; it must be ISSUED: complete its "
            "validation (or renew it) first."
        )
    names = certificate["subject_alternative_names"] or [certificate["domain_name"]]
    if fqdn and not any(name_covers(name, fqdn) for name in names):
        problems.append(
            f"certificate_arn '{arn}' covers {', '.join(names)} but not '{fqdn}' ({fqdn_from}): use a "
            f"certificate for '{fqdn}' or '*.{fqdn.partition('.')[2]}'."
        )
    return problems


def parameter_problems(required, existing):
    return [
        f"SSM parameter '{name}' does not exist; the application reads it at start. Create it first: "
        + JWT_HINT.format(name=name)
        for name in required
        if name not in existing
    ]


def stack_problems(stacks):
    """One problem per CloudFormation stack found (its status and every resource), then the way out; none without stacks."""
    problems = []
    for stack in stacks:
        resources = "; ".join(
            f"{r['type']} {r['logical_id']}" + (f" = {r['physical_id']}" if r["physical_id"] else "") for r in stack["resources"]
        ) or "no resource"
        problems.append(f"CloudFormation stack {stack['name']} ({stack['status']}) owns: {resources}.")
    return problems + [TAKEOVER_HINT] if problems else []


class NetworkReader(Reader):
    """The read calls of the import, through each service's ``resource.ServiceCalls`` (module_utils/deployment.py):
    retried through throttling, an error fails the module with what was being read."""

    def caller_identity(self):
        return self.calls("sts").call("read the identity of the credentials in use", "get_caller_identity")

    def vpc(self, vpc_id):
        ec2 = self.calls("ec2")
        vpcs = ec2.call(f"read VPC {vpc_id}", "describe_vpcs", answers=dict.fromkeys(("InvalidVpcID.NotFound", "InvalidVpcID.Malformed")),
                        VpcIds=[vpc_id])
        if vpcs is None:
            return None, [], []
        filters = [{"Name": "vpc-id", "Values": [vpc_id]}]
        what = f"read the subnets and route tables of VPC {vpc_id}"
        subnets = ec2.pages(what, "describe_subnets", Filters=filters)["Subnets"]
        tables = ec2.pages(what, "describe_route_tables", Filters=filters)["RouteTables"]
        return (vpcs["Vpcs"][0] if vpcs["Vpcs"] else None), subnets, tables

    def zone_name(self, zone_id):
        zone = self.calls("route53").call(f"read hosted zone {zone_id}", "get_hosted_zone",
                                          answers=dict.fromkeys(("NoSuchHostedZone", "InvalidInput")), Id=zone_id)
        return None if zone is None else zone["HostedZone"]["Name"].rstrip(".")

    def stacks(self, names):
        """The stacks of ``names`` that exist, in that order, each with its status and resources: one ListStacks call
        when there is none."""
        live = self.live_stacks(names)
        return [{"name": name, "status": live[name]["StackStatus"], "resources": self.stack_resources(live[name]["StackId"], name)}
                for name in names if name in live]

    def existing_parameters(self, names):
        found = set()
        for start in range(0, len(names), 50):
            filters = [{"Key": "Name", "Option": "Equals", "Values": names[start:start + 50]}]
            found.update(p["Name"] for p in self.calls("ssm").pages("read SSM parameters " + ", ".join(names), "describe_parameters",
                                                                    ParameterFilters=filters)["Parameters"])
        return found


def main():
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        min_private_availability_zones=dict(type="int", default=2),
        hosted_zone_id=dict(type="str"),
        hosted_zone_name=dict(type="str"),
        domain_name=dict(type="str"),
        certificate_arn=dict(type="str"),
        required_parameters=dict(type="list", elements="str", default=[]),
        expected_account_id=dict(type="str"),
        cloudformation_stacks=dict(type="list", elements="str", default=[]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    reader = NetworkReader(module)
    region = module.region
    caller = reader.caller_identity()
    account_id = caller["Account"]
    problems = account_problems(params["expected_account_id"], account_id)
    result = {"account_id": account_id, "partition": partition_of(caller["Arn"]), "vpc_id": params["vpc_id"]}

    vpc, subnets, tables = reader.vpc(params["vpc_id"])
    if vpc is None:
        problems.append(
            f"vpc_id '{params['vpc_id']}' does not exist in region {region}: set vpc_id to the id of the "
            "existing VPC to import (it must have public and private subnets in two availability zones)."
        )
        classified = []
    else:
        classified = classify_subnets(subnets, tables)
        problems += subnet_problems(params["vpc_id"], classified, params["min_private_availability_zones"])
    private = [s for s in classified if not s["public"]]
    result.update(
        vpc_cidr_block=(vpc or {}).get("CidrBlock"),
        subnets=classified,
        private_subnet_ids=[s["subnet_id"] for s in private],
        public_subnet_ids=[s["subnet_id"] for s in classified if s["public"]],
        private_availability_zones=sorted({s["availability_zone"] for s in private}),
    )

    zone_name = params["hosted_zone_name"]
    if params["hosted_zone_id"]:
        zone_id = normalise_zone_id(params["hosted_zone_id"])
        actual = reader.zone_name(zone_id)
        problems += zone_problems(zone_id, zone_name, actual)
        result.update(hosted_zone_id=zone_id, hosted_zone_name=actual or (zone_name or "").rstrip("."))
        zone_name = zone_name or actual

    fqdn = None
    if params["domain_name"] and zone_name:
        fqdn = f"{params['domain_name'].rstrip('.')}.{zone_name.rstrip('.')}".lower()
        result["fqdn"] = fqdn

    if params["certificate_arn"]:
        arn = params["certificate_arn"]
        certificate = reader.certificate(arn) if arn_region(arn) == region else None
        fqdn_from = f"domain_name '{params['domain_name']}' + hosted_zone_name '{zone_name}'"
        problems += certificate_problems(arn, certificate, region, fqdn, fqdn_from)
        result.update(certificate_arn=arn, certificate=certificate or {})

    required = params["required_parameters"]
    problems += parameter_problems(required, reader.existing_parameters(required))
    result["parameters"] = required

    if problems:
        module.fail_json(
            msg="The existing resources this environment builds on are not usable:\n- " + "\n- ".join(problems),
            problems=problems,
        )
    # After the network's own problems (a wrong account or VPC is fixed first): stacks that own what the roles manage.
    stacks = reader.stacks(params["cloudformation_stacks"])
    if stacks:
        problems = stack_problems(stacks)
        module.fail_json(msg="This environment's resources are owned by the CDK app's CloudFormation stacks:\n- " + "\n- ".join(problems),
                         problems=problems, cloudformation_stacks=stacks)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
