# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tags on Amazon ECS resources (clusters, task definitions, services).

ECS spells its tags ``{"key": ..., "value": ...}`` (lower case), where most AWS APIs use ``Key``/``Value``,
and tags every resource by ARN with ``tag_resource``/``untag_resource``. The decision of what to change
stays in ``tags.py``; this file only converts and writes.
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict


def ecs_tags_to_dict(tag_list):
    """``[{"key": "App", "value": "x"}]`` (or None) -> ``{"App": "x"}``."""
    return boto3_tag_list_to_ansible_dict(tag_list or [], "key", "value")


def ecs_tag_list(tags):
    """``{"App": "x"}`` (or None) -> ``[{"key": "App", "value": "x"}]``."""
    return ansible_dict_to_boto3_tag_list(tags or {}, "key", "value")


def retag_ecs_resource(module, client, arn, to_set, to_remove):
    """Apply the result of ``tags.tag_changes`` to the ECS resource ``arn``; no call when both are empty.

    ``client`` is a client made with a retry decorator (calls pass ``aws_retry=True``).
    """
    try:
        if to_remove:
            client.untag_resource(aws_retry=True, resourceArn=arn, tagKeys=list(to_remove))
        if to_set:
            client.tag_resource(aws_retry=True, resourceArn=arn, tags=ecs_tag_list(to_set))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Unable to update the tags of {arn}")
