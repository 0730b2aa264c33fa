# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the Elastic Load Balancing (elbv2) modules share: the describe of a load balancer or target group
(with its attributes and tags for the modules that manage them; alone for module_utils/deployment.py's
reads), and the attributes' shape.

Load balancers and target groups both keep settings as a list of string ``Key``/``Value`` attributes. The
tags of all three (listeners too) go through ``resource.Elbv2Tags``.
"""

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import returned
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource


def find_by_name(calls, kind, name, action=None):
    """The load balancer or target group ``name`` as DescribeLoadBalancers / DescribeTargetGroups describe it,
    or None when there is none. ``kind`` is ``load_balancer`` or ``target_group``; ``calls`` is the elbv2
    ``resource.ServiceCalls``; ``action`` says what a failure was doing (by default: describe it)."""
    plural = "LoadBalancers" if kind == "load_balancer" else "TargetGroups"
    found = calls.call(action or f"describe {kind.replace('_', ' ')} {name}", f"describe_{kind}s", missing={}, Names=[name]).get(plural)
    return found[0] if found else None


def describe_by_name(calls, tags, kind, name):
    """(the load balancer or target group ``name`` as described, its attributes as a dict, its tags), or None
    when there is none: :func:`find_by_name`, then its attributes and tags (``tags``: the ``Elbv2Tags``)."""
    what = f"{kind.replace('_', ' ')} {name}"
    arn_key = "LoadBalancerArn" if kind == "load_balancer" else "TargetGroupArn"
    found = find_by_name(calls, kind, name)
    if found is None:
        return None
    arn = found[arn_key]
    attributes = calls.call(f"read the attributes of {what}", f"describe_{kind}_attributes", **{arn_key: arn})["Attributes"]
    return found, attributes_dict(attributes), tags.read(arn, what)


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


class NamedElbv2Resource(Resource):
    """A load balancer or target group, found by its name (``elbv2_kind``: ``load_balancer`` or
    ``target_group``): described with its attributes and tags, its owned fields (``owned_keys``) and its
    identity (``identity``: what the module reads but does not own) returned with its name. Subclasses give
    ``current_state(found, attributes, tags)``, the state of a description, and make the rest of the calls."""

    service = "elbv2"
    elbv2_kind = None
    owned_keys = ()
    identity = ()
    current_state = None

    def describe(self):
        found = describe_by_name(self.aws, self.tags, self.elbv2_kind, self.name)
        return None if found is None else self.current_state(*found)

    def owned(self, current):
        return dict(returned(current, self.owned_keys), tags=current["tags"])

    def set_attributes(self, arn, attributes):
        arn_key = "LoadBalancerArn" if self.elbv2_kind == "load_balancer" else "TargetGroupArn"
        self.aws.call(f"modify the attributes of {self.kind} {arn}", f"modify_{self.elbv2_kind}_attributes",
                      **{arn_key: arn, "Attributes": attribute_list(attributes)})

    def result(self, decision, state):
        result = {f"{self.elbv2_kind}_name": self.name}
        if state is not None:
            result.update({key: state[key] for key in self.identity if key in state})
        result.update(decision["after"])
        return result
