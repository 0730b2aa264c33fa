# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The revisions of one Amazon ECS task definition family, for the modules that read them.

``ListTaskDefinitions(familyPrefix=...)`` is a prefix on AWS (``api`` also lists ``api-worker``) and an
exact family on the local emulator, and the emulator ignores ``sort``: both are handled here, once.
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries


def family_of(arn):
    """``arn:...:task-definition/web:3`` (or ``web:3``) -> ``("web", 3)``."""
    family, _colon, revision = arn.rpartition("/")[2].rpartition(":")
    return family, int(revision)


def active_revision_arns(client, retry_decorator, family):
    """The ARNs of the ACTIVE revisions of exactly ``family``, oldest first. Raises botocore's errors."""
    arns = paginated_query_with_retries(
        client, "list_task_definitions", retry_decorator=retry_decorator, familyPrefix=family, status="ACTIVE"
    )["taskDefinitionArns"]
    mine = [arn for arn in arns if family_of(arn)[0] == family]
    return sorted(mine, key=lambda arn: family_of(arn)[1])
