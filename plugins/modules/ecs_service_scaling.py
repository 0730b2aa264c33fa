#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_service_scaling
version_added: 0.1.0
short_description: Ensure the Application Auto Scaling of one ECS service - its scalable target and one target-tracking policy
description:
  - Registers the desired count of one ECS service as an Application Auto Scaling scalable target
    (C(ecs:service:DesiredCount) of C(service/<cluster>/<service>)) with its minimum and maximum, and
    ensures one target-tracking scaling policy on it; or deletes both.
  - One module manages both because they are one thing to converge - a scaling policy cannot exist
    without its scalable target (AWS refuses C(PutScalingPolicy) before C(RegisterScalableTarget), and
    deregistering the target deletes its policies), and a single task then says everything about how the
    service scales, in the order AWS needs (target first on create, policy first on delete).
  - Replaces C(community.aws.application_autoscaling_policy), which (measured with community.aws 10.0.0
    against the local emulator) has no check mode of its own - with C(--check) it registers the
    target, puts the policy and deletes it for real - and which therefore fails in check mode on a fresh
    account, where the service does not exist yet because its creation was only simulated
    (C(RegisterScalableTarget) answers C(ClusterNotFoundException) or C(ValidationException)).
  - Numbers are compared as numbers, so O(target_value=50) and a stored C(50.0) are no change.
  - Other scaling policies of the same service are left alone with O(state=present); with
    O(state=absent) the target is deregistered, which on AWS deletes every policy and scheduled action
    of the service.
  - Supports check mode and diff mode; check mode makes no mutating call (no register, put, delete nor
    deregister) and reports the same C(changed) and C(diff) that the real run would. It only reads
    Application Auto Scaling, so it works before the service exists.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  cluster:
    description:
      - The name (or ARN) of the ECS cluster that holds the service.
    required: true
    type: str
  service:
    description:
      - The name of the ECS service.
    required: true
    type: str
  state:
    description:
      - Whether the scalable target and the policy should exist.
      - V(absent) deletes the policy, then deregisters the target.
    choices: ["present", "absent"]
    default: present
    type: str
  min_capacity:
    description:
      - The fewest tasks autoscaling may scale the service in to. Required with O(state=present).
    type: int
  max_capacity:
    description:
      - The most tasks autoscaling may scale the service out to. Required with O(state=present).
    type: int
  policy_name:
    description:
      - The name of the target-tracking scaling policy.
    required: true
    type: str
  predefined_metric:
    description:
      - The metric the policy keeps at O(target_value).
    choices: ["ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization", "ALBRequestCountPerTarget"]
    default: ECSServiceAverageCPUUtilization
    type: str
  resource_label:
    description:
      - For O(predefined_metric=ALBRequestCountPerTarget), the target group it counts requests of, as
        C(app/<load-balancer-name>/<id>/targetgroup/<target-group-name>/<id>).
    type: str
  target_value:
    description:
      - The value of the metric to keep (a percentage for CPU and memory, requests per target for
        C(ALBRequestCountPerTarget)). Required with O(state=present).
    type: float
  scale_in_cooldown:
    description:
      - Seconds after a scale-in before another one. When not set, a new policy gets the AWS default and
        an existing one keeps its value.
    type: int
  scale_out_cooldown:
    description:
      - Seconds after a scale-out before another one. When not set, a new policy gets the AWS default and
        an existing one keeps its value.
    type: int
  disable_scale_in:
    description:
      - Whether the policy never scales in (only out).
    type: bool
    default: false
notes:
  - The AWS calls are C(DescribeScalableTargets), C(DescribeScalingPolicies), C(RegisterScalableTarget),
    C(PutScalingPolicy), C(DeleteScalingPolicy) and C(DeregisterScalableTarget).
  - The local emulator (moto 5.2.5) ignores C(PolicyNames) in C(DescribeScalingPolicies) and matches
    C(ResourceId) as a substring, so the module filters the answer itself by name, resource and
    dimension.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the API service scales between 1 and 4 tasks to keep its CPU at 50 %
  nestjs_playground.infra.ecs_service_scaling:
    cluster: nestjs-playground-dev
    service: api
    min_capacity: 1
    max_capacity: 4
    policy_name: api-cpu
    target_value: 50
    scale_in_cooldown: 300
    scale_out_cooldown: 60

- name: Scale on the requests each task receives through the load balancer
  nestjs_playground.infra.ecs_service_scaling:
    cluster: nestjs-playground-dev
    service: api
    min_capacity: 2
    max_capacity: 10
    policy_name: api-requests
    predefined_metric: ALBRequestCountPerTarget
    resource_label: "app/nestjs-playground-dev/0123456789abcdef/targetgroup/api/fedcba9876543210"
    target_value: 1000

- name: Remove the service's autoscaling
  nestjs_playground.infra.ecs_service_scaling:
    cluster: nestjs-playground-dev
    service: api
    policy_name: api-cpu
    state: absent
"""

RETURN = r"""
scalable_target:
  description:
    - The scalable target as it is after the run (in check mode, as it would be), as Application Auto
      Scaling describes it in snake case. Empty with O(state=absent).
  returned: always
  type: dict
  contains:
    service_namespace:
      description: Always C(ecs).
      type: str
    resource_id:
      description: C(service/<cluster>/<service>).
      type: str
      sample: service/nestjs-playground-dev/api
    scalable_dimension:
      description: Always C(ecs:service:DesiredCount).
      type: str
    min_capacity:
      description: The fewest tasks.
      type: int
    max_capacity:
      description: The most tasks.
      type: int
    role_arn:
      description: The service-linked role Application Auto Scaling uses, when AWS returned it.
      type: str
    scalable_target_arn:
      description: The ARN of the target; absent in check mode before it exists.
      type: str
policy:
  description:
    - The scaling policy as it is after the run (in check mode, as it would be), as Application Auto
      Scaling describes it in snake case. Empty with O(state=absent).
  returned: always
  type: dict
  contains:
    policy_name:
      description: The name of the policy.
      type: str
    policy_arn:
      description: The ARN of the policy; absent in check mode before it exists.
      type: str
    policy_type:
      description: Always C(TargetTrackingScaling).
      type: str
    target_tracking_scaling_policy_configuration:
      description: The policy's configuration.
      type: dict
      contains:
        target_value:
          description: The value of the metric to keep.
          type: float
        predefined_metric_specification:
          description: C(predefined_metric_type) and, for C(ALBRequestCountPerTarget), C(resource_label).
          type: dict
        scale_in_cooldown:
          description: Seconds between scale-ins.
          type: int
        scale_out_cooldown:
          description: Seconds between scale-outs.
          type: int
        disable_scale_in:
          description: Whether the policy never scales in.
          type: bool
    alarms:
      description: The CloudWatch alarms Application Auto Scaling created for the policy.
      type: list
      elements: dict
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import changed_fields
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import predicted_state
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module

NAMESPACE = "ecs"
DIMENSION = "ecs:service:DesiredCount"
POLICY_TYPE = "TargetTrackingScaling"


def resource_id(cluster, service):
    """``service/<cluster>/<service>``; a cluster ARN is reduced to its name."""
    return f"service/{cluster.rsplit('/', 1)[-1]}/{service}"


# ---- normalising ------------------------------------------------------------------------------------

def desired_target(params):
    return {"min_capacity": params.get("min_capacity"), "max_capacity": params.get("max_capacity")}


def desired_policy(params):
    """The policy fields as asked; None means 'leave alone' (the cooldowns)."""
    metric = {"predefined_metric_type": params["predefined_metric"]}
    if params.get("resource_label"):
        metric["resource_label"] = params["resource_label"]
    target_value = params.get("target_value")
    return {
        "policy_type": POLICY_TYPE,
        "predefined_metric_specification": metric,
        "target_value": float(target_value) if target_value is not None else None,
        "scale_in_cooldown": params.get("scale_in_cooldown"),
        "scale_out_cooldown": params.get("scale_out_cooldown"),
        "disable_scale_in": bool(params.get("disable_scale_in")),
    }


def current_target(raw):
    if raw is None:
        return None
    return {key: value for key, value in (("min_capacity", raw.get("MinCapacity")),
                                          ("max_capacity", raw.get("MaxCapacity"))) if value is not None}


def current_policy(raw):
    """The owned fields of a described policy; a field AWS did not return is left out."""
    if raw is None:
        return None
    config = raw.get("TargetTrackingScalingPolicyConfiguration") or {}
    state = {"policy_type": raw.get("PolicyType")}
    if "PredefinedMetricSpecification" in config:
        spec = config["PredefinedMetricSpecification"]
        metric = {"predefined_metric_type": spec.get("PredefinedMetricType")}
        if spec.get("ResourceLabel"):
            metric["resource_label"] = spec["ResourceLabel"]
        state["predefined_metric_specification"] = metric
    elif "CustomizedMetricSpecification" in config:  # never what this module asks for: a difference
        state["predefined_metric_specification"] = {"customized": True}
    state.update({
        "target_value": config.get("TargetValue"),
        "scale_in_cooldown": config.get("ScaleInCooldown"),
        "scale_out_cooldown": config.get("ScaleOutCooldown"),
    })
    if config:
        # Not returned within a returned configuration means the AWS default: scale-in allowed.
        state["disable_scale_in"] = config.get("DisableScaleIn", False)
    return {key: value for key, value in state.items() if value is not None}


# ---- deciding --------------------------------------------------------------------------------------

def plan(want_target, want_policy, have_target, have_policy):
    """What must be done to go from the current target and policy (None: absent) to the asked ones.

    Returns ``register`` (call RegisterScalableTarget), ``put`` (call PutScalingPolicy), the fields that
    differ, ``before``/``after`` ({"scalable_target": ..., "policy": ...}, each part only when it exists)
    and ``changed``. Pure: no AWS call.
    """
    target_fields = changed_fields(want_target, have_target)
    policy_fields = changed_fields(want_policy, have_policy)
    register = have_target is None or bool(target_fields)
    put = have_policy is None or bool(policy_fields)
    return {
        "register": register,
        "put": put,
        "target_fields": target_fields,
        "policy_fields": policy_fields,
        "before": parts(have_target, have_policy),
        "after": parts(predicted_state(want_target, have_target), predicted_state(want_policy, have_policy)),
        "changed": register or put,
    }


def plan_absent(have_target, have_policy):
    """Deleting: the policy if it exists, then the target if it exists."""
    return {
        "delete_policy": have_policy is not None,
        "deregister": have_target is not None,
        "before": parts(have_target, have_policy),
        "after": {},
        "changed": have_target is not None or have_policy is not None,
    }


def parts(target, policy):
    result = {}
    if target is not None:
        result["scalable_target"] = target
    if policy is not None:
        result["policy"] = policy
    return result


# ---- AWS argument shapes -----------------------------------------------------------------------------

def policy_configuration(policy):
    """TargetTrackingScalingPolicyConfiguration for PutScalingPolicy, from the policy's fields after the run."""
    metric = policy["predefined_metric_specification"]
    spec = {"PredefinedMetricType": metric["predefined_metric_type"]}
    if metric.get("resource_label"):
        spec["ResourceLabel"] = metric["resource_label"]
    config = {"TargetValue": float(policy["target_value"]), "PredefinedMetricSpecification": spec,
              "DisableScaleIn": bool(policy.get("disable_scale_in"))}
    if policy.get("scale_in_cooldown") is not None:
        config["ScaleInCooldown"] = policy["scale_in_cooldown"]
    if policy.get("scale_out_cooldown") is not None:
        config["ScaleOutCooldown"] = policy["scale_out_cooldown"]
    return config


def predicted_raw(rid, policy_name, raw_target, raw_policy, after):
    """The target and policy as Application Auto Scaling will describe them after the run (check mode)."""
    target = dict(raw_target or {}, ServiceNamespace=NAMESPACE, ResourceId=rid, ScalableDimension=DIMENSION,
                  MinCapacity=after["scalable_target"]["min_capacity"], MaxCapacity=after["scalable_target"]["max_capacity"])
    policy = dict(raw_policy or {}, PolicyName=policy_name, ServiceNamespace=NAMESPACE, ResourceId=rid,
                  ScalableDimension=DIMENSION, PolicyType=POLICY_TYPE,
                  TargetTrackingScalingPolicyConfiguration=policy_configuration(after["policy"]))
    return target, policy


def snake(raw):
    """A described target or policy in snake case, timestamps as ISO 8601 strings."""
    if not raw:
        return {}
    raw = {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in raw.items()}
    return camel_dict_to_snake_dict(raw)


# ---- AWS ---------------------------------------------------------------------------------------------

class ServiceScaling(Resource):
    """The scalable target of one ECS service's desired count and its target-tracking policy, converged
    together: the current state is ``{"target", "policy"}`` as described (each None when absent), or None."""

    service = "application-autoscaling"
    name_option = "policy_name"

    def __init__(self, module):
        super().__init__(module)
        self.rid = resource_id(self.params["cluster"], self.params["service"])
        self.key = dict(ServiceNamespace=NAMESPACE, ResourceId=self.rid, ScalableDimension=DIMENSION)

    def describe(self):
        targets = self.aws.call(f"describe the scalable target of {self.rid}", "describe_scalable_targets",
                                ServiceNamespace=NAMESPACE, ResourceIds=[self.rid], ScalableDimension=DIMENSION)["ScalableTargets"]
        policies = self.aws.call(f"describe scaling policy {self.name} of {self.rid}", "describe_scaling_policies",
                                 PolicyNames=[self.name], **self.key)["ScalingPolicies"]
        # Filtered here too: moto ignores PolicyNames and matches ResourceId as a substring.
        targets = [t for t in targets if t.get("ResourceId") == self.rid and t.get("ScalableDimension") == DIMENSION]
        policies = [p for p in policies if p.get("PolicyName") == self.name and p.get("ResourceId") == self.rid
                    and p.get("ScalableDimension") == DIMENSION]
        if not targets and not policies:
            return None
        return {"target": targets[0] if targets else None, "policy": policies[0] if policies else None}

    def plan(self, current):
        current = current or {"target": None, "policy": None}
        decision = plan(desired_target(self.params), desired_policy(self.params),
                        current_target(current["target"]), current_policy(current["policy"]))
        if self.params["min_capacity"] > self.params["max_capacity"]:
            decision["problem"] = f"min_capacity ({self.params['min_capacity']}) is greater than max_capacity ({self.params['max_capacity']})"
        return decision

    def owned(self, current):
        return plan_absent(current_target(current["target"]), current_policy(current["policy"]))["before"]

    def apply(self, decision, current):
        after = decision["after"]
        if decision["register"]:
            self.aws.call(f"register the scalable target of {self.rid}", "register_scalable_target",
                          MinCapacity=after["scalable_target"]["min_capacity"], MaxCapacity=after["scalable_target"]["max_capacity"],
                          **self.key)
        if decision["put"]:
            self.aws.call(f"put scaling policy {self.name} of {self.rid}", "put_scaling_policy",
                          PolicyName=self.name, PolicyType=POLICY_TYPE,
                          TargetTrackingScalingPolicyConfiguration=policy_configuration(after["policy"]), **self.key)
        return self.describe()

    def delete(self, current):
        # The policy first: deregistering the target deletes its policies on AWS.
        if current["policy"] is not None:
            self.aws.call(f"delete scaling policy {self.name} of {self.rid}", "delete_scaling_policy", missing=None,
                          PolicyName=self.name, **self.key)
        if current["target"] is not None:
            self.aws.call(f"deregister the scalable target of {self.rid}", "deregister_scalable_target", missing=None,
                          **self.key)

    def result(self, decision, state):
        state = state or {"target": None, "policy": None}
        target, policy = state["target"], state["policy"]
        if decision["changed"] and self.module.check_mode:
            target, policy = predicted_raw(self.rid, self.name, target, policy, decision["after"])
        return {"scalable_target": snake(target), "policy": snake(policy)}

    def returned(self, result):
        scaling = result.pop("scaling") or {"scalable_target": {}, "policy": {}}   # both {} once deleted
        return dict(result, **scaling)


def main():
    run_module(ServiceScaling, "scaling", resource_argument_spec(
        cluster=dict(type="str", required=True),
        service=dict(type="str", required=True),
        min_capacity=dict(type="int"),
        max_capacity=dict(type="int"),
        predefined_metric=dict(
            type="str",
            default="ECSServiceAverageCPUUtilization",
            choices=["ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization", "ALBRequestCountPerTarget"],
        ),
        resource_label=dict(type="str"),
        target_value=dict(type="float"),
        scale_in_cooldown=dict(type="int"),
        scale_out_cooldown=dict(type="int"),
        disable_scale_in=dict(type="bool", default=False),
        name_option="policy_name",
        tagged=False,
    ), required_if=[
        ("state", "present", ["min_capacity", "max_capacity", "target_value"]),
        ("predefined_metric", "ALBRequestCountPerTarget", ["resource_label"]),
    ])


if __name__ == "__main__":
    main()
