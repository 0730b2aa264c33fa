# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the Elastic Load Balancing (elbv2) modules share: the describe of a load balancer or target group
(with its attributes and tags for the modules that manage them; alone for module_utils/deployment.py's
reads), and the attributes' shape.

Load balancers and target groups both keep settings as a list of string ``Key``/``Value`` attributes. The
tags of all three (listeners too) go through ``resource.Elbv2Tags``.
"""


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
