#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: sns_topic
version_added: 0.1.0
short_description: Ensure a standard SNS topic with its display name, subscriptions and tags
description:
  - Creates, updates or deletes one standard Amazon SNS topic, its display name, its subscriptions
    (protocol and endpoint, for example e-mail addresses) and its tags.
  - Written because C(community.aws.sns_topic) 10.0 fails in check mode when the topic does not exist yet
    (it lists the subscriptions of a topic ARN that is still None; measured against the local endpoint,
    with and without subscriptions), so C(--check) on a fresh account could not run.
  - The topic is found by its ARN, built from the caller's account, partition and region, with one
    C(GetTopicAttributes) call rather than by listing every topic of the account.
  - An e-mail subscription stays C(PendingConfirmation) until its recipient confirms it, and AWS refuses to
    unsubscribe it meanwhile (it expires after three days). A pending subscription counts as existing, so a
    rerun never sends a second confirmation mail; one that is no longer wanted is reported in a warning.
  - Deleting the topic deletes its subscriptions with it.
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same C(changed)
    and C(diff) as the real run.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  name:
    description: The topic's name (not its ARN).
    required: true
    type: str
  state:
    description: Whether the topic should exist.
    choices: ["present", "absent"]
    default: present
    type: str
  display_name:
    description:
      - The topic's display name, the sender's name of the e-mails it sends (up to 100 characters).
      - When not given, an existing topic keeps its own.
    type: str
  subscriptions:
    description:
      - The topic's subscriptions; when not given, the subscriptions are left alone.
      - E-mail addresses are compared without regard to case.
    type: list
    elements: dict
    suboptions:
      protocol:
        description: The protocol, for example V(email).
        type: str
        required: true
      endpoint:
        description: The endpoint, for example an e-mail address.
        type: str
        required: true
  purge_subscriptions:
    description: With O(subscriptions), remove the confirmed subscriptions it does not list.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the alarm topic, e-mailing the on-call address
  nestjs_playground.infra.sns_topic:
    name: nestjs-playground-dev-alarms
    display_name: nestjs-playground-dev alarms
    subscriptions:
      - protocol: email
        endpoint: oncall@example.com
    tags:
      App: nestjs-playground
      Env: dev

- name: Delete the topic and its subscriptions
  nestjs_playground.infra.sns_topic:
    name: nestjs-playground-dev-alarms
    state: absent
"""

RETURN = r"""
topic:
  description: The topic as it is after the run (in check mode, as it would be). Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: The topic's name.
      type: str
    arn:
      description: The topic's ARN.
      type: str
      sample: arn:aws:sns:us-east-1:123456789012:nestjs-playground-dev-alarms
    display_name:
      description: The display name.
      type: str
    subscriptions:
      description: The subscriptions, sorted, each with C(protocol), C(endpoint) and C(pending) (not yet confirmed).
      type: list
      elements: dict
    tags:
      description: The topic's tags.
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_plan

PENDING = "PendingConfirmation"
CASE_INSENSITIVE = ("email", "email-json")
# Protocols whose new subscriptions wait for the endpoint to confirm them.
CONFIRMED_BY_ENDPOINT = ("email", "email-json", "http", "https")


def subscription_key(protocol, endpoint):
    """How two subscriptions compare: e-mail addresses without regard to case."""
    return (protocol, endpoint.lower() if protocol in CASE_INSENSITIVE else endpoint)


def plan_subscriptions(desired, current, purge):
    """(subscriptions to add, subscription ARNs to remove, pending ones left in place, the list after). Pure.

    ``desired`` is a list of ``{protocol, endpoint}`` (None: leave alone); ``current`` a list of
    ``{protocol, endpoint, arn}`` where ``arn`` is ``PendingConfirmation`` until the recipient confirms.
    """
    have = {subscription_key(s["protocol"], s["endpoint"]): s for s in current}
    if desired is None:
        return [], [], [], sorted(have.values(), key=lambda s: (s["protocol"], s["endpoint"]))
    wanted = {}
    for subscription in desired:
        wanted.setdefault(subscription_key(subscription["protocol"], subscription["endpoint"]), subscription)
    to_add = [wanted[key] for key in sorted(wanted) if key not in have]
    unwanted = [have[key] for key in sorted(have) if key not in wanted] if purge else []
    to_remove = [s["arn"] for s in unwanted if s["arn"] != PENDING]
    stuck = [s for s in unwanted if s["arn"] == PENDING]
    after = [s for key, s in have.items() if key in wanted or not purge or s["arn"] == PENDING]
    after += [dict(s, arn=PENDING if s["protocol"] in CONFIRMED_BY_ENDPOINT else "(new)") for s in to_add]
    return to_add, to_remove, stuck, sorted(after, key=lambda s: (s["protocol"], s["endpoint"]))


def public_subscriptions(subscriptions):
    return [{"protocol": s["protocol"], "endpoint": s["endpoint"], "pending": s.get("arn", PENDING) == PENDING} for s in subscriptions]


def plan(params, current):
    """What to do for ``state=present``: ``create``, ``display_name`` (to set, or None), ``to_add``,
    ``to_remove``, ``stuck``, ``tags_to_set``, ``tags_to_remove``, ``before``, ``after``, ``changed``. Pure.

    ``current`` is None when the topic does not exist, else ``{display_name, subscriptions, tags}``.
    """
    exists = current is not None
    current = current or {"display_name": "", "subscriptions": [], "tags": {}}
    wanted_name = params.get("display_name")
    display_name = wanted_name if wanted_name is not None and wanted_name != current["display_name"] else None
    to_add, to_remove, stuck, subscriptions = plan_subscriptions(
        params.get("subscriptions"), current["subscriptions"], params.get("purge_subscriptions", True))
    to_set, to_untag, tags = tag_plan(current["tags"], params.get("tags"), params.get("purge_tags", True))
    if not exists:
        to_set, to_untag = tags, []
    before = {"display_name": current["display_name"], "subscriptions": public_subscriptions(current["subscriptions"]),
              "tags": current["tags"]} if exists else {}
    after = {"display_name": display_name if display_name is not None else current["display_name"],
             "subscriptions": public_subscriptions(subscriptions), "tags": tags}
    return {
        "create": not exists,
        "display_name": display_name,
        "to_add": to_add,
        "to_remove": to_remove,
        "stuck": stuck,
        "tags_to_set": to_set,
        "tags_to_remove": to_untag,
        "before": before,
        "after": after,
        "changed": not exists or bool(display_name is not None or to_add or to_remove or to_set or to_untag),
    }


class Topic(Resource):
    """The SNS topic ``name`` of this account and region, with its subscriptions and tags."""

    service = "sns"
    kind = "SNS topic"

    def __init__(self, module):
        super().__init__(module)
        account, partition = get_aws_account_info(module)
        self.arn = f"arn:{partition}:sns:{module.region}:{account}:{self.name}"

    def describe(self):
        """{display_name, subscriptions, tags} of the topic, or None when it does not exist."""
        answer = self.aws.call(f"describe {self.what}", "get_topic_attributes", missing=None, TopicArn=self.arn)
        if answer is None:
            return None
        listed = self.aws.pages(f"describe {self.what}", "list_subscriptions_by_topic", TopicArn=self.arn).get("Subscriptions", [])
        return {
            "display_name": answer["Attributes"].get("DisplayName", ""),
            "subscriptions": [{"protocol": s["Protocol"], "endpoint": s["Endpoint"], "arn": s["SubscriptionArn"]} for s in listed],
            "tags": self.tags.read(self.arn, self.what),
        }

    def plan(self, current):
        decision = plan(self.params, current)
        decision["warnings"] = [
            f"Subscription {s['protocol']}:{s['endpoint']} of SNS topic {self.name} is no longer wanted but still waits for "
            "its confirmation, and AWS cannot remove it until it is confirmed or expires (3 days)." for s in decision["stuck"]]
        return decision

    def apply(self, decision, current):
        if decision["create"]:
            attributes = {"DisplayName": decision["after"]["display_name"]} if decision["after"]["display_name"] else {}
            self.aws.call(f"create {self.what}", "create_topic", Name=self.name, Attributes=attributes,
                          Tags=self.tags.tags_at_create(decision["tags_to_set"]))
        else:
            if decision["display_name"] is not None:
                self.aws.call(f"set the display name of {self.what}", "set_topic_attributes", TopicArn=self.arn,
                              AttributeName="DisplayName", AttributeValue=decision["display_name"])
            self.retag(self.arn, decision)
        for subscription_arn in decision["to_remove"]:
            self.aws.call(f"remove subscription {subscription_arn} of {self.what}", "unsubscribe", missing=None,
                          SubscriptionArn=subscription_arn)
        for subscription in decision["to_add"]:
            self.aws.call(f"subscribe {subscription['protocol']}:{subscription['endpoint']} to {self.what}", "subscribe",
                          TopicArn=self.arn, Protocol=subscription["protocol"], Endpoint=subscription["endpoint"])
        return current

    def delete(self, current):
        self.aws.call(f"delete {self.what}", "delete_topic", missing=None, TopicArn=self.arn)

    def result(self, decision, state):
        return dict(decision["after"], name=self.name, arn=self.arn)

    @staticmethod
    def parameters_problem(params):
        return f"name '{params['name']}' must be the topic's name, not its ARN" if ":" in params["name"] else None


def main():
    run_module(Topic, "topic", resource_argument_spec(
        display_name=dict(type="str"),
        subscriptions=dict(type="list", elements="dict", options=dict(
            protocol=dict(type="str", required=True),
            endpoint=dict(type="str", required=True),
        )),
        purge_subscriptions=dict(type="bool", default=True),
    ))


if __name__ == "__main__":
    main()
