#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alb_listener
version_added: 0.1.0
short_description: Ensure one Application Load Balancer listener with a forward or redirect default action
description:
  - Creates, updates or deletes one listener of an Application Load Balancer, identified by
    O(load_balancer_arn) (or O(load_balancer_name)) and O(port), with its protocol, certificates, TLS
    policy, default action and tags.
  - Replaces the C(listeners) option of C(amazon.aws.elb_application_lb) (which is used with
    C(purge_listeners=false) and no listeners). That module compares a redirect default action as an
    exact dict, while AWS stores the defaults C(Host=#{host}), C(Path=/#{path}), C(Query=#{query})
    (and C(Port=#{port}), C(Protocol=#{protocol}) when they are not given) - so a minimal redirect
    reports a change and is rewritten on every run. Measured - a listener stored with the AWS defaults
    filled in and a minimal desired redirect gave C(changed=true) on two runs in a row.
  - This module fills in those defaults on both sides before comparing, and compares a forward action by
    its target group, whether AWS returns it as C(TargetGroupArn), as a C(ForwardConfig) with one
    weighted target group, or both.
  - Only what differs is written (one C(modify_listener) with the changed fields, certificate
    additions and removals, tag changes).
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same
    C(changed) and C(diff) that the real run would.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  load_balancer_arn:
    description:
      - The ARN of the load balancer the listener belongs to.
      - One of O(load_balancer_arn) and O(load_balancer_name) is required.
    type: str
  load_balancer_name:
    description:
      - The name of the load balancer the listener belongs to, instead of its ARN (which AWS makes up
        at creation) - for example to delete the listeners of a load balancer known by name only.
      - A load balancer of that name that does not exist is treated as a missing ARN is - no listener
        to delete with O(state=absent).
    type: str
  port:
    description:
      - The port the listener listens on; with the load balancer it identifies the listener.
    required: true
    type: int
  state:
    description:
      - Whether the listener should exist.
    choices: ["present", "absent"]
    default: present
    type: str
  protocol:
    description:
      - The protocol clients use to connect to the listener.
      - Required when O(state=present).
    choices: ["HTTP", "HTTPS"]
    type: str
  certificates:
    description:
      - ARNs of the listener's certificates; the first is the default certificate, the others are
        added to the listener's certificate list (for SNI). Their order after the first does not matter.
      - Required when O(protocol=HTTPS); not allowed with O(protocol=HTTP).
    type: list
    elements: str
  ssl_policy:
    description:
      - The security policy of an HTTPS listener.
      - Defaults to C(ELBSecurityPolicy-TLS13-1-2-2021-06) when O(protocol=HTTPS). Ignored (neither
        compared nor returned) for HTTP listeners, which have no security policy.
    type: str
  default_action:
    description:
      - The listener's one default action.
      - Required when O(state=present).
    type: dict
    suboptions:
      type:
        description:
          - Forward to a target group or redirect.
        choices: ["forward", "redirect"]
        required: true
        type: str
      target_group_arn:
        description:
          - With O(default_action.type=forward), the target group that receives the requests.
        type: str
      protocol:
        description:
          - With O(default_action.type=redirect), the protocol of the redirect; AWS keeps
            C(#{protocol}) (the request's) when it is not given.
        choices: ["HTTP", "HTTPS", "#{protocol}"]
        type: str
      port:
        description:
          - With O(default_action.type=redirect), the port of the redirect, as a string; AWS keeps
            C(#{port}) when it is not given.
        type: str
      host:
        description:
          - With O(default_action.type=redirect), the host of the redirect; AWS keeps C(#{host}) when
            it is not given.
        type: str
      path:
        description:
          - With O(default_action.type=redirect), the absolute path of the redirect; AWS keeps
            C(/#{path}) when it is not given.
        type: str
      query:
        description:
          - With O(default_action.type=redirect), the query of the redirect, without the leading
            C(?); AWS keeps C(#{query}) when it is not given.
        type: str
      status_code:
        description:
          - With O(default_action.type=redirect), whether the redirect is permanent (C(HTTP_301)) or
            temporary (C(HTTP_302)). Required for a redirect.
        choices: ["HTTP_301", "HTTP_302"]
        type: str
notes:
  - In check mode, when the load balancer itself does not exist yet (an earlier task would create it),
    the listener is reported as one to create, with a warning.
  - The listener's rules (other than the default action) are not managed.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the HTTP listener redirects to HTTPS
  nestjs_playground.infra.alb_listener:
    load_balancer_arn: "{{ alb.load_balancer_arn }}"
    port: 80
    protocol: HTTP
    default_action:
      type: redirect
      protocol: HTTPS
      port: "443"
      status_code: HTTP_301
    tags:
      App: nestjs-playground

- name: Ensure the HTTPS listener forwards to the service's target group
  nestjs_playground.infra.alb_listener:
    load_balancer_arn: "{{ alb.load_balancer_arn }}"
    port: 443
    protocol: HTTPS
    certificates:
      - "{{ certificate_arn }}"
    default_action:
      type: forward
      target_group_arn: "{{ target_group.target_group.target_group_arn }}"

- name: Remove the HTTP listener
  nestjs_playground.infra.alb_listener:
    load_balancer_arn: "{{ alb.load_balancer_arn }}"
    port: 80
    state: absent

- name: Remove the HTTPS listener of a load balancer known by its name (nothing to do when it is gone)
  nestjs_playground.infra.alb_listener:
    load_balancer_name: nestjs-playground-dev-alb
    port: 443
    state: absent
"""

RETURN = r"""
listener:
  description:
    - The listener as it is after the run (in check mode, as it would be). Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    listener_arn:
      description: The ARN of the listener; absent in check mode before the listener exists.
      type: str
      sample: >-
        arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/nestjs-playground/50dc6c495c0c9188/f2f7dc8efc522ab2
    load_balancer_arn:
      description: The ARN of the load balancer.
      type: str
    port:
      description: The listener's port.
      type: int
      sample: 443
    protocol:
      description: C(HTTP) or C(HTTPS).
      type: str
    certificates:
      description: The certificate ARNs, the default certificate first, the others sorted.
      returned: when the protocol is HTTPS
      type: list
      elements: str
    ssl_policy:
      description: The security policy.
      returned: when the protocol is HTTPS
      type: str
      sample: ELBSecurityPolicy-TLS13-1-2-2021-06
    default_actions:
      description:
        - The default actions, normalised - a forward action as its C(target_group_arn), a redirect
          with every field AWS fills in by default (C(#{host}), C(/#{path}), C(#{query}), C(#{port}),
          C(#{protocol})).
      type: list
      elements: dict
      sample:
        - type: redirect
          redirect_config:
            protocol: HTTPS
            port: "443"
            host: "#{host}"
            path: "/#{path}"
            query: "#{query}"
            status_code: HTTP_301
    tags:
      description: The listener's tags.
      type: dict
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import MISSING
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import returned
from ansible_collections.nestjs_playground.infra.plugins.module_utils.load_balancing import find_by_name
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import owned_changes

DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"

# What AWS stores for a redirect field that was not given (the request's own value).
REDIRECT_DEFAULTS = {
    "protocol": "#{protocol}",
    "port": "#{port}",
    "host": "#{host}",
    "path": "/#{path}",
    "query": "#{query}",
}
# RedirectConfig keys, AWS spelling -> ours.
REDIRECT_FIELDS = {
    "Protocol": "protocol",
    "Port": "port",
    "Host": "host",
    "Path": "path",
    "Query": "query",
    "StatusCode": "status_code",
}

# The fields this module owns, as compared and shown in the diff (tags apart).
OWNED = ("protocol", "ssl_policy", "certificates", "default_actions")
TLS_FIELDS = ("ssl_policy", "certificates")


# Normalisation -----------------------------------------------------------------------------------

def forward_target(action):
    """The one target group a forward action sends everything to, or None when it is not that simple.

    AWS returns a forward action as ``TargetGroupArn``, as a ``ForwardConfig`` with one weighted
    target group, or as both; all three mean the same thing when they name the same single group
    and stickiness is off.
    """
    arns = set()
    if action.get("TargetGroupArn"):
        arns.add(action["TargetGroupArn"])
    config = action.get("ForwardConfig")
    if config:
        if (config.get("TargetGroupStickinessConfig") or {}).get("Enabled"):
            return None
        groups = config.get("TargetGroups") or []
        if len(groups) > 1:
            return None
        arns.update(group["TargetGroupArn"] for group in groups if group.get("TargetGroupArn"))
    if len(arns) != 1:
        return None
    return arns.pop()


def redirect_config(given):
    """A redirect's fields (ours) with what AWS fills in for the ones not given."""
    config = dict(REDIRECT_DEFAULTS)
    config.update({key: str(value) for key, value in given.items() if value is not None})
    return config


def normalize_action(action):
    """One action as AWS returns it (CamelCase) in the form this module compares and returns."""
    kind = action.get("Type")
    if kind == "forward":
        arn = forward_target(action)
        if arn:
            return {"type": "forward", "target_group_arn": arn}
        return {"type": "forward", "forward_config": camel_dict_to_snake_dict(action.get("ForwardConfig") or {})}
    if kind == "redirect":
        stored = action.get("RedirectConfig") or {}
        return {
            "type": "redirect",
            "redirect_config": redirect_config({ours: stored.get(theirs) for theirs, ours in REDIRECT_FIELDS.items()}),
        }
    other = {key: value for key, value in action.items() if key not in ("Type", "Order")}
    return dict(camel_dict_to_snake_dict(other), type=kind)


def normalize_actions(actions):
    return [normalize_action(action) for action in sorted(actions or [], key=lambda a: a.get("Order", 0))]


def desired_action(spec):
    """The ``default_action`` option in the form ``normalize_action`` returns."""
    if spec["type"] == "forward":
        return {"type": "forward", "target_group_arn": spec["target_group_arn"]}
    return {
        "type": "redirect",
        "redirect_config": redirect_config({ours: spec.get(ours) for ours in REDIRECT_FIELDS.values()}),
    }


def action_request(spec):
    """The ``default_action`` option as the ``DefaultActions`` entry sent to AWS (only what was given)."""
    if spec["type"] == "forward":
        return {"Type": "forward", "TargetGroupArn": spec["target_group_arn"]}
    config = {theirs: str(spec[ours]) for theirs, ours in REDIRECT_FIELDS.items() if spec.get(ours) is not None}
    return {"Type": "redirect", "RedirectConfig": config}


def certificate_list(default, others):
    """The default certificate first, then the others sorted, without repeats."""
    if default is None:
        return sorted(set(others))
    return [default] + sorted(set(others) - {default})


def action_problems(spec):
    """What is wrong with a ``default_action`` option, as messages (empty when it is fine)."""
    redirect_keys = [key for key in REDIRECT_FIELDS.values() if spec.get(key) is not None]
    problems = []
    if spec["type"] == "forward":
        if not spec.get("target_group_arn"):
            problems.append("default_action.target_group_arn is required when default_action.type is forward")
        if redirect_keys:
            given = ", ".join("default_action." + key for key in redirect_keys)
            problems.append(f"{given} only apply to a redirect")
    else:
        if spec.get("target_group_arn"):
            problems.append("default_action.target_group_arn only applies to a forward action")
        if not spec.get("status_code"):
            problems.append("default_action.status_code is required when default_action.type is redirect")
    return problems


# Decision --------------------------------------------------------------------------------------

def desired_state(params):
    """The owned fields as asked; None means 'not compared' (the TLS fields of an HTTP listener)."""
    https = params["protocol"] == "HTTPS"
    certificates = params.get("certificates") or []
    return {
        "protocol": params["protocol"],
        "ssl_policy": (params.get("ssl_policy") or DEFAULT_SSL_POLICY) if https else None,
        "certificates": certificate_list(certificates[0], certificates[1:]) if https and certificates else None,
        "default_actions": [desired_action(params["default_action"])],
    }


def current_state(listener, certificates, tags):
    """A listener as ``describe_listeners`` returns it, with ``describe_listener_certificates`` and tags.

    ``certificates`` is None when they were not read (an HTTP listener). The TLS fields of an HTTP
    listener are left out: it has none, although the emulator returns a default ``SslPolicy`` for it.
    """
    state = {
        "listener_arn": listener["ListenerArn"],
        "load_balancer_arn": listener["LoadBalancerArn"],
        "port": listener["Port"],
        "protocol": listener["Protocol"],
        "default_actions": normalize_actions(listener.get("DefaultActions")),
        "tags": tags,
    }
    if listener["Protocol"] == "HTTPS":
        state["ssl_policy"] = listener.get("SslPolicy", MISSING)
        if certificates is None:
            certificates = [dict(c, IsDefault=(i == 0)) for i, c in enumerate(listener.get("Certificates") or [])]
        defaults = [c["CertificateArn"] for c in certificates if c.get("IsDefault")]
        others = [c["CertificateArn"] for c in certificates if not c.get("IsDefault")]
        state["certificates"] = certificate_list(defaults[0] if defaults else None, others)
    return state


def owned(state):
    """The owned fields of a state, without the ones AWS did not return."""
    fields = returned(state, OWNED)
    if fields.get("protocol") != "HTTPS":
        for key in TLS_FIELDS:
            fields.pop(key, None)
    return fields


def plan(desired, current, desired_tags, purge_tags):
    """What must be done to go from ``current`` (None: absent) to ``desired``.

    Returns ``create``, ``changed``, ``modify`` (the ``modify_listener`` arguments that differ, in AWS
    spelling, without the ARN; ``DefaultActions`` holds the normalised action and is sent as asked),
    ``certificates_to_add`` / ``certificates_to_remove`` (the non-default certificates),
    ``tags_to_set`` / ``tags_to_remove``, and ``before`` / ``after`` (owned fields and tags).
    Pure: no AWS call.
    """
    before = None if current is None else dict(owned(current), tags=current.get("tags") or {})
    fields, to_set, to_remove, after = owned_changes(desired, before, desired_tags, purge_tags)
    after = dict(owned(after), tags=after["tags"])   # no TLS fields once the listener is HTTP

    want = desired["certificates"] or []
    modify, adding, removing = {}, list(want[1:]), []
    if current is not None:
        if "protocol" in fields:
            modify["Protocol"] = desired["protocol"]
        if desired["protocol"] == "HTTPS":
            # A listener that becomes HTTPS needs its policy and default certificate in the same call.
            became_https = "protocol" in fields
            have = [] if became_https else before.get("certificates", [])
            if became_https or "ssl_policy" in fields:
                modify["SslPolicy"] = desired["ssl_policy"]
            if not have or have[0] != want[0]:
                modify["Certificates"] = [{"CertificateArn": want[0]}]
            adding = sorted(set(want[1:]) - set(have[1:]))
            removing = sorted(set(have[1:]) - set(want[1:]) - set(want[:1]))
        if "default_actions" in fields:
            modify["DefaultActions"] = desired["default_actions"]

    return {
        "create": current is None,
        "changed": current is None or bool(modify or adding or removing or to_set or to_remove),
        "modify": modify,
        "certificates_to_add": adding,
        "certificates_to_remove": removing,
        "tags_to_set": to_set,
        "tags_to_remove": to_remove,
        "before": before or {},
        "after": after,
    }


# AWS -------------------------------------------------------------------------------------------

def option_problems(params):
    """What is wrong with the options of a present listener (checked before any AWS call); [] when all is well."""
    if params["state"] != "present":
        return []
    problems = action_problems(params["default_action"])
    if params["protocol"] == "HTTP" and (params["certificates"] or params["ssl_policy"]):
        problems.append("certificates and ssl_policy only apply to an HTTPS listener")
    if params["protocol"] == "HTTPS" and not params["certificates"]:
        problems.append("an HTTPS listener needs at least one certificate")
    return problems


class Listener(Resource):
    """The listener on ``port`` of the load balancer ``load_balancer_arn`` (or ``load_balancer_name``)."""

    service = "elbv2"
    kind = "listener on port"
    name_option = "port"

    def __init__(self, module):
        super().__init__(module)
        self.balancer = self.params["load_balancer_arn"]   # its ARN once found; its name or ARN when it does not exist
        self.balancer_missing = None

    def describe(self):
        """The listener on ``port`` as ``current_state``; None when it or its load balancer does not exist."""
        name = self.params["load_balancer_name"]
        self.balancer_missing = False
        if name:
            balancer = find_by_name(self.aws, "load_balancer", name)
            self.balancer = balancer["LoadBalancerArn"] if balancer else name
            self.balancer_missing = balancer is None
        listeners = MISSING if self.balancer_missing else self.aws.pages(
            f"describe the listeners of load balancer {self.balancer}", "describe_listeners", missing=MISSING, LoadBalancerArn=self.balancer)
        self.balancer_missing = listeners is MISSING
        found = [] if self.balancer_missing else [listener for listener in listeners["Listeners"] if listener["Port"] == self.name]
        if not found:
            return None
        listener, certificates = found[0], None
        arn = listener["ListenerArn"]
        if listener["Protocol"] == "HTTPS":
            certificates = self.aws.pages(f"read the certificates of listener {arn}", "describe_listener_certificates",
                                          ListenerArn=arn)["Certificates"]
        return current_state(listener, certificates, self.tags.read(arn, f"listener {arn}"))

    def plan(self, current):
        params = self.params
        decision = plan(desired_state(params), current, params["tags"], params["purge_tags"])
        if self.balancer_missing and not self.module.check_mode:
            decision["problem"] = f"Load balancer {self.balancer} does not exist"
        elif self.balancer_missing:
            decision["warnings"] = [f"Load balancer {self.balancer} does not exist yet; "
                                    f"the listener on port {self.name} is reported as one to create"]
        return decision

    def owned(self, current):
        return dict(owned(current), tags=current["tags"])

    def apply(self, decision, current):
        params, after = self.params, decision["after"]
        if decision["create"]:
            request = {"LoadBalancerArn": self.balancer, "Port": self.name, "Protocol": params["protocol"],
                       "DefaultActions": [action_request(params["default_action"])]}
            if params["protocol"] == "HTTPS":
                request["SslPolicy"] = after["ssl_policy"]
                # AWS takes exactly one certificate here, the default; the others are added after.
                request["Certificates"] = [{"CertificateArn": after["certificates"][0]}]
            request.update(self.tags.create_argument(after["tags"]))
            created = self.aws.call(f"create the listener on port {self.name} of {self.balancer}", "create_listener", **request)
            arn = created["Listeners"][0]["ListenerArn"]
        else:
            arn = current["listener_arn"]
            if decision["modify"]:
                request = dict(decision["modify"])
                if "DefaultActions" in request:
                    request["DefaultActions"] = [action_request(params["default_action"])]
                self.aws.call(f"modify listener {arn}", "modify_listener", ListenerArn=arn, **request)
        for operation, certificates in (("add_listener_certificates", decision["certificates_to_add"]),
                                        ("remove_listener_certificates", decision["certificates_to_remove"])):
            if certificates:
                self.aws.call(f"update the certificates of listener {arn}", operation, ListenerArn=arn,
                              Certificates=[{"CertificateArn": c} for c in certificates])
        if not decision["create"]:
            self.retag(arn, decision, f"listener {arn}")
        return {"listener_arn": arn}

    def delete(self, current):
        arn = current["listener_arn"]
        self.aws.call(f"delete listener {arn}", "delete_listener", missing=None, ListenerArn=arn)

    def result(self, decision, state):
        result = {"load_balancer_arn": self.balancer, "port": self.name}
        if state:
            result["listener_arn"] = state["listener_arn"]
        result.update(decision["after"])
        return result

    @staticmethod
    def parameters_problem(params):
        return "; ".join(option_problems(params)) or None


def main():
    run_module(Listener, "listener", resource_argument_spec(
        load_balancer_arn=dict(type="str"),
        load_balancer_name=dict(type="str"),
        port=dict(type="int", required=True),
        protocol=dict(type="str", choices=["HTTP", "HTTPS"]),
        certificates=dict(type="list", elements="str"),
        ssl_policy=dict(type="str"),
        default_action=dict(
            type="dict",
            options=dict(
                type=dict(type="str", required=True, choices=["forward", "redirect"]),
                target_group_arn=dict(type="str"),
                protocol=dict(type="str", choices=["HTTP", "HTTPS", "#{protocol}"]),
                port=dict(type="str"),
                host=dict(type="str"),
                path=dict(type="str"),
                query=dict(type="str"),
                status_code=dict(type="str", choices=["HTTP_301", "HTTP_302"]),
            ),
        ),
        name_option=None,
    ), required_if=[
        ["state", "present", ["protocol", "default_action"]],
        ["protocol", "HTTPS", ["certificates"]],
    ], required_one_of=[["load_balancer_arn", "load_balancer_name"]], mutually_exclusive=[["load_balancer_arn", "load_balancer_name"]])


if __name__ == "__main__":
    main()
