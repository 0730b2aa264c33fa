#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudformation_stack_retention
version_added: 0.2.0
short_description: Retain every resource of a CloudFormation stack, then delete the stack and keep them
description:
  - The two steps of taking over a stack's resources (C(playbooks/adopt_cdk.yml)) - with O(state=retained), every
    resource of the stack's template gets C(DeletionPolicy) and C(UpdateReplacePolicy) C(Retain), through a
    template update that changes nothing else (the same parameters, C(UsePreviousValue)), so CloudFormation
    updates no resource; with O(state=absent), the stack is deleted, which leaves every resource in place.
  - O(state=absent) refuses, in check mode too, while a resource of the stack is not retained, so the
    deletion can never take a resource with it. A stack already gone is no change.
  - Waits for the update and the deletion to complete (O(wait_timeout)).
  - Reads the template CloudFormation holds (C(GetTemplate), stage C(Original)); the CDK app's templates are
    JSON. The updated template is sent as C(TemplateBody), so at most 51,200 bytes; a larger one is refused
    (upload it to S3 and update the stack by hand with C(--template-url)).
  - Supports check mode and diff mode; check mode makes no mutating call.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  name:
    description:
      - The stack's name.
    required: true
    type: str
  state:
    description:
      - C(retained) - every resource of the stack is retained on deletion and replacement.
      - C(absent) - the stack is deleted; every resource must be retained.
    choices: ["retained", "absent"]
    default: retained
    type: str
  wait_timeout:
    description:
      - Seconds to wait for the stack's update or deletion to complete.
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Retain every resource of the compute stack
  nestjs_playground.infra.cloudformation_stack_retention:
    name: nestjs-playground-dev-compute

- name: Delete the compute stack, keeping its resources
  nestjs_playground.infra.cloudformation_stack_retention:
    name: nestjs-playground-dev-compute
    state: absent
"""

RETURN = r"""
stack:
  description: The stack after the run (in check mode, as it would be); empty when O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: The stack's name.
      type: str
    not_retained:
      description: The logical ids of the resources not retained (after the run, none).
      type: list
      elements: str
    retained:
      description: The logical ids of the resources retained.
      type: list
      elements: str
"""

import json

from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module

POLICIES = ("DeletionPolicy", "UpdateReplacePolicy")
TEMPLATE_BODY_LIMIT = 51200
NO_STACK = {"ValidationError": None}   # CloudFormation's answer for a stack that does not exist


def not_retained(template):
    """The logical ids of the template's resources without Retain as both policies, in the template's order."""
    return [name for name, resource in template.get("Resources", {}).items()
            if any(resource.get(policy) != "Retain" for policy in POLICIES)]


def retained_template(template):
    """The template with both policies Retain on every resource and nothing else changed. Pure."""
    updated = dict(template)
    updated["Resources"] = {name: dict(resource, DeletionPolicy="Retain", UpdateReplacePolicy="Retain")
                            for name, resource in template.get("Resources", {}).items()}
    return updated


def plan(current):
    """From the stack's template (``current``; None: no stack) to every resource retained. Pure."""
    if current is None:
        return {"before": {}, "after": {}, "changed": False,
                "problem": "the stack does not exist: nothing to retain (it was deleted already, or its name is wrong)."}
    missing = not_retained(current["template"])
    names = list(current["template"].get("Resources", {}))
    decision = {
        "before": {"not_retained": missing},
        "after": {"not_retained": []},
        "changed": bool(missing),
        "retained": names,
        "template": retained_template(current["template"]) if missing else None,
    }
    if missing:
        size = len(json.dumps(decision["template"]))
        if size > TEMPLATE_BODY_LIMIT:
            decision["problem"] = (
                f"the template with every resource retained is {size} bytes, more than the {TEMPLATE_BODY_LIMIT} CloudFormation "
                "takes as a template body: upload it to S3 and update the stack with --template-url (DeletionPolicy and "
                "UpdateReplacePolicy Retain on every resource), then run again.")
    return decision


class Stack(Resource):
    """The CloudFormation stack ``name``."""

    service = "cloudformation"
    kind = "CloudFormation stack"

    def describe(self):
        stacks = self.aws.call(f"describe {self.what}", "describe_stacks", answers=NO_STACK, StackName=self.name)
        if not stacks or not stacks["Stacks"] or stacks["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE":
            return None
        stack = stacks["Stacks"][0]
        body = self.aws.call(f"read the template of {self.what}", "get_template", StackName=self.name,
                             TemplateStage="Original")["TemplateBody"]
        if not isinstance(body, dict):
            try:
                body = json.loads(body)
            except ValueError:
                self.module.fail_json(msg=f"The template of {self.what} is not JSON (the CDK app's are): retain its resources "
                                          "by hand (DeletionPolicy and UpdateReplacePolicy Retain), then run again.")
        return {"stack": stack, "template": body}

    def plan(self, current):
        return plan(current)

    def apply(self, decision, current):
        stack = current["stack"]
        self.aws.call(f"retain every resource of {self.what}", "update_stack", StackName=self.name,
                      TemplateBody=json.dumps(decision["template"]),
                      Parameters=[{"ParameterKey": p["ParameterKey"], "UsePreviousValue": True} for p in stack.get("Parameters", [])],
                      Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"])
        self.aws.wait("stack_update_complete", self.what, self.params["wait_timeout"], 15, state="updated", StackName=self.name)
        return self.describe()

    def deletion_problem(self, current):
        missing = not_retained(current["template"])
        if missing:
            return (f"{self.what} still has resources that its deletion would delete: {', '.join(missing)}. Retain them first "
                    "(state: retained).")
        return None

    def owned(self, current):
        return {"not_retained": not_retained(current["template"])}

    def delete(self, current):
        self.aws.call(f"delete {self.what}", "delete_stack", StackName=current["stack"]["StackId"])
        self.aws.wait("stack_delete_complete", self.what, self.params["wait_timeout"], 15, state="deleted",
                      StackName=current["stack"]["StackId"])

    def result(self, decision, state):
        return {"name": self.name, "not_retained": decision["after"].get("not_retained", []), "retained": decision.get("retained", [])}


def main():
    run_module(Stack, "stack", resource_argument_spec(
        state=dict(type="str", default="retained", choices=["retained", "absent"]),
        wait_timeout=dict(type="int", default=1800),
        tagged=False,
    ))


if __name__ == "__main__":
    main()
