# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How the JSON AWS APIs (ECS's among them) name what a module's option names in snake_case: in camelCase, with
the odd exception (``enableECSManagedTags``). A module that reads and writes its fields under the API's names
derives them here instead of listing each field twice."""


def camel_case(name, exceptions=None):
    """The API's name of the snake_case ``name`` (``execution_role_arn``: ``executionRoleArn``), or the one
    ``exceptions`` ({name: API name}) gives it."""
    if exceptions and name in exceptions:
        return exceptions[name]
    first, *rest = name.split("_")
    return first + "".join(word.title() for word in rest)
