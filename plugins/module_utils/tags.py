# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tag decisions shared by the modules, on top of amazon.aws's ``compare_aws_tags``.

``tags`` None leaves the resource's tags alone; with ``purge_tags`` true, tags that are not asked
for are removed, as every amazon.aws module does.
"""

from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import changed_fields
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import predicted_state


def tag_changes(current, desired, purge_tags=True):
    """(tags to set, tag keys to remove); both empty when nothing must change."""
    if desired is None:
        return {}, []
    to_set, to_remove = compare_aws_tags(current or {}, desired, purge_tags=purge_tags)
    return to_set, sorted(to_remove)


def tags_after(current, desired, purge_tags=True):
    """The tags the resource will carry once ``tag_changes`` has been applied."""
    to_set, to_remove = tag_changes(current, desired, purge_tags)
    after = {key: value for key, value in (current or {}).items() if key not in to_remove}
    after.update(to_set)
    return after


def tag_plan(current, desired, purge_tags=True, exists=True):
    """(tags to set, tag keys to remove, the tags after) of a resource that carries ``current``. One that does
    not exist yet (``exists`` false) is created with the tags after: nothing to set or remove once it is."""
    to_set, to_remove = tag_changes(current, desired, purge_tags)
    return (to_set, to_remove, tags_after(current, desired, purge_tags)) if exists else ({}, [], tags_after({}, desired, purge_tags))


def owned_changes(desired, before, desired_tags, purge_tags=True):
    """What a plan of owned fields and tags decides first: (the fields of ``desired`` to change, tags to set,
    tag keys to remove, the owned fields and ``tags`` after). ``before`` holds the owned fields and ``tags``
    as they are (None: the resource does not exist); ``desired`` the fields as asked (None: leave alone)."""
    after = predicted_state(desired, before)
    to_set, to_remove, after["tags"] = tag_plan((before or {}).get("tags"), desired_tags, purge_tags)
    return changed_fields(desired, before), to_set, to_remove, after
