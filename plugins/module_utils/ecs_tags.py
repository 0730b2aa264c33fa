# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tags on Amazon ECS resources (clusters, task definitions, services).

ECS spells its tags ``{"key": ..., "value": ...}`` (lower case), where most AWS APIs use ``Key``/``Value``,
and tags every resource by ARN with ``tag_resource``/``untag_resource``. The decision of what to change
stays in ``tags.py``; this file only converts (``resource.EcsTags`` reads and writes with it).
"""

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict


def ecs_tags_to_dict(tag_list):
    """``[{"key": "App", "value": "x"}]`` (or None) -> ``{"App": "x"}``."""
    return boto3_tag_list_to_ansible_dict(tag_list or [], "key", "value")


def ecs_tag_list(tags):
    """``{"App": "x"}`` (or None) -> ``[{"key": "App", "value": "x"}]``."""
    return ansible_dict_to_boto3_tag_list(tags or {}, "key", "value")
