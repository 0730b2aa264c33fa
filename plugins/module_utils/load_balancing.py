# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the Elastic Load Balancing (elbv2) modules share: one client, tags, attributes.

Load balancers, listeners and target groups all carry their tags through the same
``describe_tags`` / ``add_tags`` / ``remove_tags`` calls, and load balancers and target groups both
keep settings as a list of string ``Key``/``Value`` attributes. The modules read and write them here.
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.nestjs_playground.infra.plugins.module_utils.throttling import jittered_backoff


def elbv2_client(module):
    """The elbv2 client every call of these modules goes through, retried with jittered backoff."""
    return module.client("elbv2", retry_decorator=jittered_backoff())


def read_tags(module, client, arn, what):
    """The tags of one elbv2 resource as a dict; ``what`` names it in an error message."""
    try:
        descriptions = client.describe_tags(aws_retry=True, ResourceArns=[arn])["TagDescriptions"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Unable to read the tags of {what}")
    tags = descriptions[0].get("Tags", []) if descriptions else []
    return boto3_tag_list_to_ansible_dict(tags)


def write_tags(module, client, arn, to_set, to_remove, what):
    """Apply a ``tags.tag_changes`` decision to one elbv2 resource."""
    try:
        if to_remove:
            client.remove_tags(aws_retry=True, ResourceArns=[arn], TagKeys=list(to_remove))
        if to_set:
            client.add_tags(aws_retry=True, ResourceArns=[arn], Tags=ansible_dict_to_boto3_tag_list(to_set))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Unable to update the tags of {what}")


def describe_by_name(calls, tags, kind, name):
    """(the load balancer or target group ``name`` as described, its attributes as a dict, its tags), or None
    when there is none. ``kind`` is ``load_balancer`` or ``target_group``; ``calls`` is the elbv2
    ``resource.ServiceCalls`` and ``tags`` its ``Elbv2Tags``."""
    what = f"{kind.replace('_', ' ')} {name}"
    plural = "LoadBalancers" if kind == "load_balancer" else "TargetGroups"
    arn_key = "LoadBalancerArn" if kind == "load_balancer" else "TargetGroupArn"
    found = calls.call(f"describe {what}", f"describe_{kind}s", missing={}, Names=[name]).get(plural)
    if not found:
        return None
    arn = found[0][arn_key]
    attributes = calls.call(f"read the attributes of {what}", f"describe_{kind}_attributes", **{arn_key: arn})["Attributes"]
    return found[0], attributes_dict(attributes), tags.read(arn, what)


def attributes_dict(attributes):
    """``[{"Key": k, "Value": v}, ...]`` as ``{k: v}`` (values stay the strings AWS returns)."""
    return {item["Key"]: item["Value"] for item in attributes or []}


def attribute_list(values):
    """``{k: v}`` as the ``Attributes`` list of a modify call; booleans as ``"true"``/``"false"``."""
    def text(value):
        return str(value).lower() if isinstance(value, bool) else str(value)

    return [{"Key": key, "Value": text(value)} for key, value in values.items()]


def unique(values):
    """``values`` without repeats, first occurrence kept (the emulator repeats some ARNs)."""
    seen = []
    for value in values or []:
        if value not in seen:
            seen.append(value)
    return seen
