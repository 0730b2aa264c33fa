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

from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import CHANGED_MEANWHILE
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import fail_with
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_plan

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


class Group(Resource):
    """The DB cluster parameter group ``name``, its user parameters and its tags."""

    service = "rds"
    kind = "DB cluster parameter group"
    pending_reboot = []   # the parameters the run changed that wait for the instances' reboot (see ``result``)

    def describe(self):
        """{group (as described), listing (its parameters, as listed), tags}, or None when there is none."""
        found = self.aws.call(f"describe {self.what}", "describe_db_cluster_parameter_groups", missing={},
                              DBClusterParameterGroupName=self.name).get("DBClusterParameterGroups")
        if not found:
            return None
        return {"group": found[0], "listing": self.listing(), "tags": self.tags.read(found[0]["DBClusterParameterGroupArn"], self.what)}

    def listing(self):
        return self.aws.pages(f"read the parameters of {self.what}", "describe_db_cluster_parameters",
                              DBClusterParameterGroupName=self.name).get("Parameters") or []

    def plan(self, current):
        params, family = self.params, self.params["family"]
        listing, current_tags = (current["listing"], current["tags"]) if current else ([], {})
        changes = plan_parameters(desired_parameters(params["parameters"]), listing, params["purge_parameters"], family)
        problem = family_problem(current["group"], family) if current else None
        if not problem and changes["problems"]:
            problem = " ".join(changes["problems"]) + " Nothing was changed."
        to_set, to_remove, tags = tag_plan(current_tags, params["tags"], params["purge_tags"])
        return {
            "problem": problem, "changes": changes, "tags_to_set": to_set, "tags_to_remove": to_remove,
            "before": {"family": family, "parameters": read_listing(listing)[0], "tags": current_tags} if current else {},
            "after": {"family": family, "parameters": changes["after"], "tags": tags},
            "changed": current is None or bool(changes["modify"] or changes["reset"] or to_set or to_remove),
            # A new group has no cluster yet: nothing waits for a reboot.
            "pending_reboot": pending_reboot(changes) if current else [],
        }

    def owned(self, current):
        return {"family": current["group"].get("DBParameterGroupFamily"), "parameters": read_listing(current["listing"])[0]}

    def apply(self, decision, current):
        if current is None:
            created = self.aws.call(f"create {self.what}", "create_db_cluster_parameter_group", exists=None,
                                    DBClusterParameterGroupName=self.name, DBParameterGroupFamily=self.params["family"],
                                    Description=self.description(None), Tags=self.tags.tags_at_create(decision["after"]["tags"] or {}))
            if created is None:   # another run created it meanwhile: converged like an existing one
                return CHANGED_MEANWHILE
            # Now AWS lists the family's parameters: check the names and learn which apply immediately.
            changes = plan_parameters(desired_parameters(self.params["parameters"]), self.listing(), self.params["purge_parameters"],
                                      self.params["family"])
            if changes["problems"]:
                fail_with(self.module, " ".join(changes["problems"]) + f" The group {self.name} was created without parameters.")
            decision["changes"] = changes
            decision["after"]["parameters"] = changes["after"]
            current = {"group": created["DBClusterParameterGroup"]}
        else:
            self.retag(current["group"]["DBClusterParameterGroupArn"], decision)
        for operation, key in (("modify_db_cluster_parameter_group", "modify"), ("reset_db_cluster_parameter_group", "reset")):
            for chunk in chunks(decision["changes"][key]):
                self.aws.call(f"set the parameters of {self.what}", operation, DBClusterParameterGroupName=self.name, Parameters=chunk)
        return current

    def delete(self, current):
        self.aws.call(f"delete (a cluster that still uses it keeps it) {self.what}", "delete_db_cluster_parameter_group", missing=None,
                      DBClusterParameterGroupName=self.name)

    def description(self, current):
        """The description: set at creation only, so an existing group's own."""
        default = self.params["description"] or f"Cluster parameters of {self.name}"
        return current["group"].get("Description", default) if current else default

    def result(self, decision, state):
        self.pending_reboot = decision["pending_reboot"]
        after = decision["after"]
        return view(self.name, (state or {}).get("group"), after["family"], self.description(state), after["parameters"], after["tags"])

    def returned(self, result):
        return dict(result, pending_reboot=self.pending_reboot)


def main():
    run_module(Group, "db_cluster_parameter_group", resource_argument_spec(
        family=dict(type="str"),
        description=dict(type="str"),
        parameters=dict(type="dict"),
        purge_parameters=dict(type="bool", default=True),
    ), required_if=[["state", "present", ["family"]]])


if __name__ == "__main__":
    main()
