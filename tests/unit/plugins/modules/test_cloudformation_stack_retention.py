import json

from ansible_collections.nestjs_playground.infra.plugins.modules.cloudformation_stack_retention import TEMPLATE_BODY_LIMIT
from ansible_collections.nestjs_playground.infra.plugins.modules.cloudformation_stack_retention import Stack
from ansible_collections.nestjs_playground.infra.plugins.modules.cloudformation_stack_retention import not_retained
from ansible_collections.nestjs_playground.infra.plugins.modules.cloudformation_stack_retention import plan
from ansible_collections.nestjs_playground.infra.plugins.modules.cloudformation_stack_retention import retained_template
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule

TEMPLATE = {
    "Parameters": {"BootstrapVersion": {"Type": "String"}},
    "Resources": {
        "Cluster": {"Type": "AWS::ECS::Cluster", "Properties": {"ClusterName": "app-dev"}},
        "LogGroup": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
        "Repository": {"Type": "AWS::ECR::Repository", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Delete"},
    },
    "Outputs": {"ECSClusterName": {"Value": {"Ref": "Cluster"}}},
}


def test_not_retained_names_every_resource_without_both_policies_retain_in_the_templates_order():
    assert not_retained(TEMPLATE) == ["Cluster", "Repository"]


def test_the_retained_template_changes_only_the_two_policies():
    updated = retained_template(TEMPLATE)
    assert not_retained(updated) == []
    assert updated["Parameters"] == TEMPLATE["Parameters"] and updated["Outputs"] == TEMPLATE["Outputs"]
    for name, resource in TEMPLATE["Resources"].items():
        without = {k: v for k, v in updated["Resources"][name].items() if k not in ("DeletionPolicy", "UpdateReplacePolicy")}
        assert without == {k: v for k, v in resource.items() if k not in ("DeletionPolicy", "UpdateReplacePolicy")}
    assert TEMPLATE["Resources"]["Cluster"].get("DeletionPolicy") is None   # the input is left as it was


def test_the_plan_retains_what_is_not_and_diffs_those_resources():
    decision = plan({"template": TEMPLATE, "stack": {}})
    assert decision["changed"] is True
    assert decision["before"] == {"not_retained": ["Cluster", "Repository"]} and decision["after"] == {"not_retained": []}
    assert not_retained(decision["template"]) == []


def test_a_stack_whose_resources_are_all_retained_is_not_changed():
    decision = plan({"template": retained_template(TEMPLATE), "stack": {}})
    assert decision["changed"] is False and decision["template"] is None and "problem" not in decision


def test_a_missing_stack_is_a_problem():
    assert "does not exist" in plan(None)["problem"]


def test_a_template_over_the_body_limit_is_refused_with_the_way_to_do_it():
    big = {"Resources": {f"R{i}": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t" * 200}} for i in range(300)}}
    assert len(json.dumps(big)) > TEMPLATE_BODY_LIMIT
    assert "--template-url" in plan({"template": big, "stack": {}})["problem"]


def test_the_deletion_is_refused_while_a_resource_is_not_retained():
    stack = Stack(FakeModule({"name": "app-dev-compute", "state": "absent", "wait_timeout": 60}))
    problem = stack.deletion_problem({"template": TEMPLATE})
    assert "Cluster, Repository" in problem and "state: retained" in problem
    assert stack.deletion_problem({"template": retained_template(TEMPLATE)}) is None


def test_describe_reads_the_original_template():
    module = FakeModule({"name": "app-dev-compute", "state": "retained", "wait_timeout": 60})
    stubber = module.stubber("cloudformation")
    stack = {"StackName": "app-dev-compute", "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/app-dev-compute/1",
             "StackStatus": "CREATE_COMPLETE", "CreationTime": "2026-12-04T10:00:00Z"}
    stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "app-dev-compute"})
    stubber.add_response("get_template", {"TemplateBody": json.dumps(TEMPLATE)}, {"StackName": "app-dev-compute", "TemplateStage": "Original"})
    with stubber:
        current = Stack(module).describe()
    assert current["template"] == TEMPLATE and current["stack"]["StackName"] == "app-dev-compute"


def test_describe_reads_a_deleted_stack_as_none():
    module = FakeModule({"name": "app-dev-compute", "state": "absent", "wait_timeout": 60})
    stubber = module.stubber("cloudformation")
    stubber.add_client_error("describe_stacks", "ValidationError", "Stack with id app-dev-compute does not exist")
    with stubber:
        assert Stack(module).describe() is None
