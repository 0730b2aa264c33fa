#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: aurora_cluster_parameter_group
version_added: 0.1.0
short_description: Ensure an Aurora DB cluster parameter group holds exactly the parameters asked for
description:
  - Creates, updates or deletes one Amazon RDS DB cluster parameter group and converges the parameters set
    in it (those whose C(Source) is C(user)) to exactly O(parameters) - parameters asked for are set, user
    parameters no longer asked for are reset to the engine's default (O(purge_parameters)) - and its tags.
  - Written instead of C(amazon.aws.rds_cluster_param_group) 10.1, measured against the local emulator and
    read for real AWS. It cannot take a parameter out again (it never calls C(ResetDBClusterParameterGroup),
    so a parameter removed from the variable stays set), it wants every parameter's C(apply_method) from the
    caller although AWS says which parameters are dynamic, it compares C(apply_method) with the one AWS
    reports and so may report a change on every run, it returns no diff, in check mode on a new group it
    says only that it would create one, and against the emulator (which lists no engine defaults) it fails
    with C(Could not find parameter with name) after having created the group.
  - Each parameter is applied C(immediate) when AWS lists it as C(dynamic) and C(pending-reboot) otherwise
    (a static parameter takes effect when the instances reboot; RV(pending_reboot) names them).
  - A parameter the family does not have, or one AWS marks as not modifiable, fails with a message naming it,
    before any change to an existing group (a new group is created first, since AWS lists a family's
    parameters only for a group, and is then left without parameters). The family is fixed when the group is created; another family for an existing group
    fails likewise. The description is set at creation only (AWS cannot change it).
  - A group that a cluster still uses cannot be deleted; AWS refuses and the module reports it.
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same C(changed) and
    C(diff) that the real run would.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  name:
    description: The name of the DB cluster parameter group.
    required: true
    type: str
  state:
    description: Whether the group should exist.
    choices: ["present", "absent"]
    default: present
    type: str
  family:
    description:
      - The parameter group family, for example V(aurora-postgresql17). Required with O(state=present).
    type: str
  description:
    description: The group's description, set when it is created; C(Cluster parameters of <name>) when not given.
    type: str
  parameters:
    description:
      - The parameters the group sets, name to value. Values are sent as strings (V(true) and V(false) as V(1)
        and V(0)).
      - When not set, the group's parameters are left alone.
    type: dict
  purge_parameters:
    description: With O(parameters), reset the user parameters of the group that O(parameters) does not name.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the cluster parameter group refuses plaintext connections
  nestjs_playground.infra.aurora_cluster_parameter_group:
    name: nestjs-playground-dev
    family: aurora-postgresql17
    parameters:
      rds.force_ssl: 1
      log_min_duration_statement: 500
    tags:
      App: nestjs-playground

- name: Delete the group (no cluster may use it any more)
  nestjs_playground.infra.aurora_cluster_parameter_group:
    name: nestjs-playground-dev
    state: absent
"""

RETURN = r"""
db_cluster_parameter_group:
  description: The group as it is after the run (in check mode, as it would be). Empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The group's name.
      type: str
    arn:
      description: The group's ARN; absent in check mode before the group exists.
      type: str
    family:
      description: The parameter group family.
      type: str
    description:
      description: The description.
      type: str
    parameters:
      description: The parameters the group sets (source C(user)), name to value.
      type: dict
    tags:
      description: The group's tags.
      type: dict
pending_reboot:
  description: The parameters this run set or reset that take effect only when the cluster's instances reboot.
  returned: always
  type: list
  elements: str
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import make_diff
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_changes
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tags_after
from ansible_collections.nestjs_playground.infra.plugins.module_utils.throttling import jittered_backoff

# ModifyDBClusterParameterGroup and ResetDBClusterParameterGroup take at most 20 parameters per call.
CHUNK = 20


def parameter_value(value):
    """A parameter's value as RDS stores it: a string (booleans as 1 and 0)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def desired_parameters(parameters):
    """``{name: value as a string}``, or None to leave the parameters alone."""
    if parameters is None:
        return None
    return {str(name): parameter_value(value) for name, value in parameters.items()}


def read_listing(listing):
    """(the user-set parameters ``{name: value}``, every listed parameter ``{name: description}``).

    AWS lists every parameter of the family, each with its ``Source`` (engine-default, system or user); the
    emulator lists only those set, without ``Source``: a parameter without one is a user parameter.
    """
    user = {p["ParameterName"]: p.get("ParameterValue", "") for p in listing if p.get("Source", "user") == "user"}
    return user, {p["ParameterName"]: p for p in listing}


def apply_method(known):
    """``immediate`` for a parameter AWS lists as dynamic, ``pending-reboot`` otherwise (always accepted)."""
    return "immediate" if (known or {}).get("ApplyType") == "dynamic" else "pending-reboot"


def plan_parameters(desired, listing, purge, family):
    """What to change in a group whose listing is ``listing``. Pure.

    Returns ``{"modify": [Parameters entries], "reset": [Parameters entries], "after": {name: value},
    "problems": [messages]}``. A name is only checked against the family when the listing holds the engine's
    parameters (as AWS's does): a listing of user parameters alone (the emulator's) cannot tell.
    """
    user, known = read_listing(listing)
    result = {"modify": [], "reset": [], "after": dict(user), "problems": []}
    if desired is None:
        return result
    lists_the_family = any(p.get("Source", "user") != "user" for p in listing)
    for name, value in desired.items():
        described = known.get(name)
        if described is None and lists_the_family:
            result["problems"].append(f"parameters: {name!r} is not a parameter of the {family} family.")
            continue
        if described is not None and described.get("IsModifiable") is False:
            result["problems"].append(f"parameters: {name!r} cannot be modified in a {family} cluster parameter group.")
            continue
        if user.get(name) != value:
            result["modify"].append({"ParameterName": name, "ParameterValue": value, "ApplyMethod": apply_method(described)})
    if purge:
        for name in sorted(set(user) - set(desired)):
            result["reset"].append({"ParameterName": name, "ApplyMethod": apply_method(known.get(name))})
    result["after"] = {name: value for name, value in user.items() if purge is False or name in desired}
    result["after"].update({p["ParameterName"]: p["ParameterValue"] for p in result["modify"]})
    return result


def pending_reboot(changes):
    """The names of the changed parameters that wait for a reboot."""
    return sorted(p["ParameterName"] for p in changes["modify"] + changes["reset"] if p["ApplyMethod"] == "pending-reboot")


def family_problem(group, family):
    """A message when an existing group has another family than asked, else None. Pure."""
    if family and group.get("DBParameterGroupFamily") not in (None, family):
        return (
            f"DB cluster parameter group {group['DBClusterParameterGroupName']} has the family "
            f"{group['DBParameterGroupFamily']}, not {family}, and AWS cannot change a group's family: "
            "give the new family's group another name (and point the cluster at it), or delete this one first."
        )
    return None


def chunks(items, size=CHUNK):
    return [items[start:start + size] for start in range(0, len(items), size)]


def view(name, group, family, description, parameters, tags):
    result = {"name": name, "family": family, "description": description, "parameters": parameters, "tags": tags}
    if group and group.get("DBClusterParameterGroupArn"):
        result["arn"] = group["DBClusterParameterGroupArn"]
    return result


class Groups:
    def __init__(self, module):
        self.module = module
        self.rds = module.client("rds", retry_decorator=jittered_backoff())

    def _fail(self, e, what):
        self.module.fail_json_aws(e, msg=f"Unable to {what} DB cluster parameter group {self.module.params['name']}")

    def describe(self, name):
        try:
            groups = self.rds.describe_db_cluster_parameter_groups(aws_retry=True, DBClusterParameterGroupName=name)
        except is_boto3_error_code("DBParameterGroupNotFound"):
            return None
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "describe")
        found = groups.get("DBClusterParameterGroups") or []
        return found[0] if found else None

    def parameters(self, name):
        listing, marker = [], None
        try:
            while True:
                kwargs = {"DBClusterParameterGroupName": name}
                if marker:
                    kwargs["Marker"] = marker
                page = self.rds.describe_db_cluster_parameters(aws_retry=True, **kwargs)
                listing.extend(page.get("Parameters") or [])
                marker = page.get("Marker")
                if not marker:
                    return listing
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self._fail(e, "read the parameters of")

    def tags(self, arn):
        try:
            return boto3_tag_list_to_ansible_dict(self.rds.list_tags_for_resource(aws_retry=True, ResourceName=arn).get("TagList", []))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self._fail(e, "read the tags of")

    def create(self, name, family, description, tags):
        """(the new group, True); or, when another run created it since this one looked (two converges at once),
        (that group, False), which this run then converges as it would an existing one."""
        try:
            return self.rds.create_db_cluster_parameter_group(
                aws_retry=True, DBClusterParameterGroupName=name, DBParameterGroupFamily=family,
                Description=description, Tags=ansible_dict_to_boto3_tag_list(tags or {}),
            )["DBClusterParameterGroup"], True
        except is_boto3_error_code("DBParameterGroupAlreadyExists"):
            group = self.describe(name)
            problem = family_problem(group or {}, family)
            if group is None or problem:
                self.module.fail_json(msg=problem or f"DB cluster parameter group {name} was created and deleted by another run meanwhile.")
            return group, False
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "create")

    def apply(self, name, changes):
        try:
            for chunk in chunks(changes["modify"]):
                self.rds.modify_db_cluster_parameter_group(aws_retry=True, DBClusterParameterGroupName=name, Parameters=chunk)
            for chunk in chunks(changes["reset"]):
                self.rds.reset_db_cluster_parameter_group(aws_retry=True, DBClusterParameterGroupName=name, Parameters=chunk)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self._fail(e, "set the parameters of")

    def retag(self, arn, to_set, to_remove):
        try:
            if to_remove:
                self.rds.remove_tags_from_resource(aws_retry=True, ResourceName=arn, TagKeys=to_remove)
            if to_set:
                self.rds.add_tags_to_resource(aws_retry=True, ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(to_set))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self._fail(e, "tag")

    def delete(self, name):
        try:
            self.rds.delete_db_cluster_parameter_group(aws_retry=True, DBClusterParameterGroupName=name)
        except is_boto3_error_code("DBParameterGroupNotFound"):
            return
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "delete (a cluster that still uses it keeps it)")


def ensure_absent(module, groups, name, group):
    if group is None:
        module.exit_json(changed=False, db_cluster_parameter_group={}, pending_reboot=[], diff=make_diff({}, {}))
    before = {"family": group.get("DBParameterGroupFamily"), "parameters": read_listing(groups.parameters(name))[0]}
    if not module.check_mode:
        groups.delete(name)
    module.exit_json(changed=True, db_cluster_parameter_group={}, pending_reboot=[], diff=make_diff(before, {}))


def ensure_present(module, groups, name, group):
    params = module.params
    family = params["family"]
    existed = group is not None
    description = params["description"] or f"Cluster parameters of {name}"
    if existed:
        problem = family_problem(group, family)
        if problem:
            module.fail_json(msg=problem)
        listing = groups.parameters(name)
        current_tags = groups.tags(group["DBClusterParameterGroupArn"])
        description = group.get("Description", description)
    else:
        listing, current_tags = [], {}
    changes = plan_parameters(desired_parameters(params["parameters"]), listing, params["purge_parameters"], family)
    if changes["problems"]:
        module.fail_json(msg=" ".join(changes["problems"]) + " Nothing was changed.")
    to_set, to_remove = tag_changes(current_tags, params["tags"], params["purge_tags"])
    new_tags = tags_after(current_tags, params["tags"], params["purge_tags"])
    changed = not existed or bool(changes["modify"] or changes["reset"] or to_set or to_remove)

    if changed and not module.check_mode:
        if existed:
            groups.retag(group["DBClusterParameterGroupArn"], to_set, to_remove)
        else:
            group, created = groups.create(name, family, description, new_tags)
            if not created:   # another run's: its tags are converged as an existing group's would be
                groups.retag(group["DBClusterParameterGroupArn"],
                             *tag_changes(groups.tags(group["DBClusterParameterGroupArn"]), params["tags"], params["purge_tags"]))
            # Now AWS lists the family's parameters: check the names and learn which apply immediately.
            changes = plan_parameters(desired_parameters(params["parameters"]), groups.parameters(name), params["purge_parameters"], family)
            if changes["problems"]:
                module.fail_json(msg=" ".join(changes["problems"]) + f" The group {name} was created without parameters.")
        groups.apply(name, changes)

    before = {"family": family, "parameters": read_listing(listing)[0], "tags": current_tags} if existed else {}
    after = {"family": family, "parameters": changes["after"], "tags": new_tags}
    module.exit_json(
        changed=changed,
        db_cluster_parameter_group=view(name, group, family, description, changes["after"], new_tags),
        # A new group has no cluster yet: nothing waits for a reboot.
        pending_reboot=pending_reboot(changes) if existed else [],
        diff=make_diff(before, after),
    )


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        family=dict(type="str"),
        description=dict(type="str"),
        parameters=dict(type="dict"),
        purge_parameters=dict(type="bool", default=True),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True, required_if=[["state", "present", ["family"]]])
    groups = Groups(module)
    name = module.params["name"]
    group = groups.describe(name)
    if module.params["state"] == "absent":
        ensure_absent(module, groups, name, group)
    ensure_present(module, groups, name, group)


if __name__ == "__main__":
    main()
