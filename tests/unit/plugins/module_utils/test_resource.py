"""The module anatomy (plugins/module_utils/resource.py): the error layer over a stubbed client (botocore
Stubber), the tagging adapters, and the runner's present/absent dispatch, check mode and diff."""

import botocore.session
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.nestjs_playground.infra.plugins.module_utils import resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import MISSING
from ansible_collections.nestjs_playground.infra.plugins.module_utils.load_balancing import NamedElbv2Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.load_balancing import describe_by_name
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import CHANGED_MEANWHILE
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Ec2Tags
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import EcrTags
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import EcsTags
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Elbv2Tags
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import IamRoleTags
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import ListTags
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import MapTags
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import RdsTags
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import SecretTags
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import ServiceCalls
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module


class Failed(Exception):
    pass


class FakeModule:
    """What the anatomy needs of AnsibleAWSModule: parameters, check mode, a (stubbed) client, failures."""

    def __init__(self, params=None, check_mode=False):
        self.params = dict(params or {})
        self.check_mode = check_mode
        self.clients = {}

    def _raw(self, service):
        if service not in self.clients:
            raw = botocore.session.get_session().create_client(
                service, region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
            self.clients[service] = (raw, Stubber(raw))
        return self.clients[service][0]

    def client(self, service, retry_decorator=None):
        """A client of ``service`` wrapped with ``retry_decorator``, as AnsibleAWSModule.client makes it; every client
        of one service shares one stubbed connection, whether asked for before or after its stubber."""
        return RetryingBotoClientWrapper(self._raw(service), retry_decorator)

    def stubber(self, service):
        self._raw(service)
        return self.clients[service][1]

    def fail_json_aws(self, error, msg):
        raise Failed(f"{msg}: {error}")

    def fail_json(self, msg, **more):
        raise Failed(msg)


LOG_GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:alarms"


@pytest.mark.parametrize(("service", "operation", "params", "code"), [
    ("logs", "delete_log_group", {"logGroupName": "/ecs/app"}, "ResourceNotFoundException"),
    ("sns", "get_topic_attributes", {"TopicArn": TOPIC_ARN}, "NotFound"),
])
def test_a_not_found_code_of_the_service_is_the_missing_value_when_one_is_given(service, operation, params, code):
    module = FakeModule()
    calls = ServiceCalls(module, service)
    with module.stubber(service) as stubber:
        stubber.add_client_error(operation, service_error_code=code, expected_params=params)
        assert calls.call("read it", operation, missing=None, **params) is None
        stubber.assert_no_pending_responses()


def test_a_not_found_code_without_a_missing_value_fails_naming_the_action():
    module = FakeModule()
    calls = ServiceCalls(module, "logs")
    with module.stubber("logs") as stubber:
        stubber.add_client_error("delete_log_group", service_error_code="ResourceNotFoundException")
        with pytest.raises(Failed, match="^Unable to delete log group /ecs/app: .*ResourceNotFoundException"):
            calls.call("delete log group /ecs/app", "delete_log_group", logGroupName="/ecs/app")


def test_another_service_s_not_found_code_is_a_failure_even_with_a_missing_value():
    module = FakeModule()
    calls = ServiceCalls(module, "sns")
    with module.stubber("sns") as stubber:
        stubber.add_client_error("delete_topic", service_error_code="ResourceNotFoundException")
        with pytest.raises(Failed, match="^Unable to delete topic"):
            calls.call("delete topic", "delete_topic", missing=None, TopicArn=TOPIC_ARN)


@pytest.fixture
def no_pause(monkeypatch):
    """The waiters poll without sleeping."""
    monkeypatch.setattr("botocore.waiter.time.sleep", lambda seconds: None)


def test_a_wait_for_a_resource_just_created_polls_again_while_the_service_does_not_find_it(no_pause):
    module = FakeModule()
    calls = ServiceCalls(module, "rds")
    with module.stubber("rds") as stubber:
        stubber.add_client_error("describe_db_clusters", service_error_code="DBClusterNotFoundFault")
        stubber.add_response("describe_db_clusters", {"DBClusters": [{"DBClusterIdentifier": "app-dev", "Status": "creating"}]})
        stubber.add_response("describe_db_clusters", {"DBClusters": [{"DBClusterIdentifier": "app-dev", "Status": "available"}]})
        calls.wait("db_cluster_available", "The DB cluster app-dev", 60, 1, DBClusterIdentifier="app-dev")
        stubber.assert_no_pending_responses()


def test_a_wait_still_fails_at_once_on_another_error_and_at_its_timeout_naming_what_it_waited_for(no_pause):
    module = FakeModule()
    calls = ServiceCalls(module, "rds")
    with module.stubber("rds") as stubber:
        stubber.add_client_error("describe_db_clusters", service_error_code="AccessDenied")
        with pytest.raises(Failed, match="^The DB cluster app-dev did not become available within 60 s: .*AccessDenied"):
            calls.wait("db_cluster_available", "The DB cluster app-dev", 60, 1, DBClusterIdentifier="app-dev")
        for _attempt in range(2):
            stubber.add_client_error("describe_db_clusters", service_error_code="DBClusterNotFoundFault")
        with pytest.raises(Failed, match="^The DB cluster app-dev did not become available within 2 s"):
            calls.wait("db_cluster_available", "The DB cluster app-dev", 2, 1, DBClusterIdentifier="app-dev")
        stubber.assert_no_pending_responses()


def test_a_wait_for_a_deletion_takes_the_service_s_not_found_as_gone(no_pause):
    module = FakeModule()
    calls = ServiceCalls(module, "ecs")
    with module.stubber("ecs") as stubber:
        stubber.add_client_error("describe_services", service_error_code="ClusterNotFoundException")
        calls.wait("services_inactive", "The service app-dev", 60, 1, cluster="app-dev", services=["app-dev"])
        stubber.assert_no_pending_responses()


def test_an_already_exists_code_is_the_exists_value_and_an_access_error_fails():
    module = FakeModule()
    calls = ServiceCalls(module, "logs")
    with module.stubber("logs") as stubber:
        stubber.add_client_error("create_log_group", service_error_code="ResourceAlreadyExistsException")
        stubber.add_client_error("create_log_group", service_error_code="AccessDeniedException")
        assert calls.call("create it", "create_log_group", exists="there", logGroupName="/ecs/app") == "there"
        with pytest.raises(Failed, match="^Unable to create it: .*AccessDenied"):
            calls.call("create it", "create_log_group", exists="there", missing=None, logGroupName="/ecs/app")


def test_answers_give_each_listed_code_its_own_value_and_other_codes_still_fail():
    module = FakeModule()
    calls = ServiceCalls(module, "ecr")
    answers = {"RepositoryNotFoundException": "no repository", "ImageNotFoundException": {}}
    params = {"repositoryName": "app", "imageIds": [{"imageTag": "v1"}]}
    with module.stubber("ecr") as stubber:
        stubber.add_client_error("describe_images", service_error_code="RepositoryNotFoundException", expected_params=params)
        stubber.add_client_error("describe_images", service_error_code="ImageNotFoundException", expected_params=params)
        stubber.add_client_error("describe_images", service_error_code="AccessDeniedException", expected_params=params)
        assert calls.call("describe image app:v1", "describe_images", answers=answers, **params) == "no repository"
        assert calls.call("describe image app:v1", "describe_images", answers=answers, **params) == {}
        with pytest.raises(Failed, match="^Unable to describe image app:v1: .*AccessDenied"):
            calls.call("describe image app:v1", "describe_images", answers=answers, **params)


def test_a_paginated_read_answers_listed_codes_too():
    module = FakeModule()
    calls = ServiceCalls(module, "ec2")
    with module.stubber("ec2") as stubber:
        stubber.add_client_error("describe_subnets", service_error_code="InvalidVpcID.NotFound")
        assert calls.pages("read the subnets", "describe_subnets", answers={"InvalidVpcID.NotFound": None}) is None


def test_map_tags_read_and_change_by_arn_as_a_dict():
    module = FakeModule()
    tags = MapTags(ServiceCalls(module, "logs"))
    with module.stubber("logs") as stubber:
        stubber.add_response("list_tags_for_resource", {"tags": {"Env": "dev"}}, {"resourceArn": LOG_GROUP_ARN})
        stubber.add_response("untag_resource", {}, {"resourceArn": LOG_GROUP_ARN, "tagKeys": ["Old"]})
        stubber.add_response("tag_resource", {}, {"resourceArn": LOG_GROUP_ARN, "tags": {"Env": "prd"}})
        assert tags.read(LOG_GROUP_ARN, "the log group") == {"Env": "dev"}
        tags.change(LOG_GROUP_ARN, "the log group", {"Env": "prd"}, ["Old"])
        stubber.assert_no_pending_responses()


def test_list_tags_read_and_change_by_arn_as_key_value_pairs():
    module = FakeModule()
    tags = ListTags(ServiceCalls(module, "sns"))
    with module.stubber("sns") as stubber:
        stubber.add_response("list_tags_for_resource", {"Tags": [{"Key": "Env", "Value": "dev"}]}, {"ResourceArn": TOPIC_ARN})
        stubber.add_response("tag_resource", {}, {"ResourceArn": TOPIC_ARN, "Tags": [{"Key": "Env", "Value": "prd"}]})
        assert tags.read(TOPIC_ARN, "the topic") == {"Env": "dev"}
        tags.change(TOPIC_ARN, "the topic", {"Env": "prd"}, [])
        stubber.assert_no_pending_responses()
    assert tags.tags_at_create({"Env": "dev"}) == [{"Key": "Env", "Value": "dev"}]


class Thing(Resource):
    """A resource in memory: ``exists`` is its value, or None; every call is noted."""

    def __init__(self, module, exists, meanwhile=0):
        super().__init__(module)
        self.exists, self.meanwhile, self.calls = exists, meanwhile, []

    def describe(self):
        self.calls.append("describe")
        return None if self.exists is None else {"value": self.exists}

    def plan(self, current):
        before = current or {}
        after = {"value": self.params["value"]}
        return {"before": before, "after": after, "changed": before != after}

    def apply(self, decision, current):
        self.calls.append("apply")
        if self.meanwhile:
            self.meanwhile -= 1
            self.exists = "theirs"
            return CHANGED_MEANWHILE
        self.exists = decision["after"]["value"]
        return {"value": self.exists}

    def delete(self, current):
        self.calls.append("delete")
        self.exists = None


@pytest.mark.parametrize("check_mode", [False, True])
def test_present_creates_and_check_mode_reports_the_same_without_applying(check_mode):
    thing = Thing(FakeModule({"state": "present", "value": "a"}, check_mode), exists=None)
    result = run(thing.module, thing, "thing")
    assert result == {"changed": True, "thing": {"value": "a"}, "diff": {"before": {}, "after": {"value": "a"}}}
    assert thing.calls == (["describe"] if check_mode else ["describe", "apply"])


def test_present_on_what_is_asked_changes_nothing_and_applies_nothing():
    thing = Thing(FakeModule({"state": "present", "value": "a"}), exists="a")
    assert run(thing.module, thing, "thing")["changed"] is False
    assert thing.calls == ["describe"]


@pytest.mark.parametrize(("exists", "check_mode", "changed", "calls"), [
    ("a", False, True, ["describe", "delete"]),
    ("a", True, True, ["describe"]),
    (None, False, False, ["describe"]),
])
def test_absent_deletes_what_exists_and_diffs_it_away(exists, check_mode, changed, calls):
    thing = Thing(FakeModule({"state": "absent", "value": "a"}, check_mode), exists=exists)
    result = run(thing.module, thing, "thing")
    assert result == {"changed": changed, "thing": {}, "diff": {"before": {"value": "a"} if exists else {}, "after": {}}}
    assert thing.calls == calls


def test_a_resource_changed_meanwhile_is_described_and_planned_again_once():
    thing = Thing(FakeModule({"state": "present", "value": "a"}), exists=None, meanwhile=1)
    result = run(thing.module, thing, "thing")
    assert result["diff"] == {"before": {"value": "theirs"}, "after": {"value": "a"}}
    assert thing.calls == ["describe", "apply", "describe", "apply"]


def test_a_resource_changed_meanwhile_twice_fails():
    thing = Thing(FakeModule({"state": "present", "value": "a"}), exists=None, meanwhile=2)
    with pytest.raises(Failed, match="changed under this run twice"):
        run(thing.module, thing, "thing")


def test_the_decision_s_warnings_are_said_in_check_mode_too():
    class Warned(Thing):
        def plan(self, current):
            return dict(super().plan(current), warnings=["left as it is"])

    module = FakeModule({"state": "present", "value": "a"}, check_mode=True)
    module.warnings = []
    module.warn = module.warnings.append
    thing = Warned(module, exists="b")
    assert run(module, thing, "thing")["changed"] is True
    assert module.warnings == ["left as it is"]


ECR_ARN = "arn:aws:ecr:us-east-1:123456789012:repository/app"
ECS_ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/app-dev"
RDS_ARN = "arn:aws:rds:us-east-1:123456789012:subgrp:app-dev-db"
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app-dev-tg/73e2d6bc24d8a067"


@pytest.mark.parametrize(("adapter", "service", "arn", "listed", "reads", "untag", "tag"), [
    (EcrTags, "ecr", ECR_ARN, ("list_tags_for_resource", {"tags": [{"Key": "Env", "Value": "dev"}]}, {"resourceArn": ECR_ARN}),
     {"Env": "dev"}, ("untag_resource", {"resourceArn": ECR_ARN, "tagKeys": ["Old"]}),
     ("tag_resource", {"resourceArn": ECR_ARN, "tags": [{"Key": "Env", "Value": "prd"}]})),
    (EcsTags, "ecs", ECS_ARN, ("list_tags_for_resource", {"tags": [{"key": "Env", "value": "dev"}]}, {"resourceArn": ECS_ARN}),
     {"Env": "dev"}, ("untag_resource", {"resourceArn": ECS_ARN, "tagKeys": ["Old"]}),
     ("tag_resource", {"resourceArn": ECS_ARN, "tags": [{"key": "Env", "value": "prd"}]})),
    (RdsTags, "rds", RDS_ARN, ("list_tags_for_resource", {"TagList": [{"Key": "Env", "Value": "dev"}]}, {"ResourceName": RDS_ARN}),
     {"Env": "dev"}, ("remove_tags_from_resource", {"ResourceName": RDS_ARN, "TagKeys": ["Old"]}),
     ("add_tags_to_resource", {"ResourceName": RDS_ARN, "Tags": [{"Key": "Env", "Value": "prd"}]})),
    (Elbv2Tags, "elbv2", TG_ARN,
     ("describe_tags", {"TagDescriptions": [{"ResourceArn": TG_ARN, "Tags": [{"Key": "Env", "Value": "dev"}]}]}, {"ResourceArns": [TG_ARN]}),
     {"Env": "dev"}, ("remove_tags", {"ResourceArns": [TG_ARN], "TagKeys": ["Old"]}),
     ("add_tags", {"ResourceArns": [TG_ARN], "Tags": [{"Key": "Env", "Value": "prd"}]})),
])
def test_each_api_family_s_adapter_reads_removes_then_sets_in_its_own_shape(adapter, service, arn, listed, reads, untag, tag):
    module = FakeModule()
    tags = adapter(ServiceCalls(module, service))
    with module.stubber(service) as stubber:
        stubber.add_response(listed[0], listed[1], listed[2])
        stubber.add_response(untag[0], {}, untag[1])
        stubber.add_response(tag[0], {}, tag[1])
        assert tags.read(arn, "it") == reads
        tags.change(arn, "it", {"Env": "prd"}, ["Old"])
        stubber.assert_no_pending_responses()


def test_no_tag_change_makes_no_call():
    module = FakeModule()
    tags = EcsTags(ServiceCalls(module, "ecs"))
    with module.stubber("ecs") as stubber:
        tags.change(ECS_ARN, "it", {}, [])
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize(("service", "operation", "params", "code"), [
    ("ecr", "describe_repositories", {}, "RepositoryNotFoundException"),
    ("ecr", "get_lifecycle_policy", {"repositoryName": "app"}, "LifecyclePolicyNotFoundException"),
    ("ecs", "delete_cluster", {"cluster": "app-dev"}, "ClusterNotFoundException"),
    ("rds", "describe_db_subnet_groups", {}, "DBSubnetGroupNotFoundFault"),
    ("rds", "describe_db_instances", {}, "DBInstanceNotFound"),
    ("elbv2", "describe_target_groups", {}, "TargetGroupNotFound"),
    ("elbv2", "describe_load_balancers", {}, "LoadBalancerNotFound"),
])
def test_each_service_s_not_found_codes_are_its_own(service, operation, params, code):
    module = FakeModule()
    calls = ServiceCalls(module, service)
    with module.stubber(service) as stubber:
        stubber.add_client_error(operation, service_error_code=code)
        assert calls.call("read it", operation, missing="gone", **params) == "gone"


def test_a_refusal_fails_with_the_module_s_words_computed_when_it_comes():
    module = FakeModule()
    calls = ServiceCalls(module, "ecs")
    with module.stubber("ecs") as stubber:
        stubber.add_client_error("delete_cluster", service_error_code="ClusterContainsServicesException")
        with pytest.raises(Failed, match="^still has 2 services$"):
            calls.call("delete it", "delete_cluster", missing=None, cluster="app-dev",
                       refusals={"ClusterContainsServicesException": lambda: {"msg": "still has 2 services", "services_count": 2}})


def test_describe_by_name_reads_the_group_its_attributes_and_its_tags_or_none():
    module = FakeModule()
    calls = ServiceCalls(module, "elbv2")
    tags = Elbv2Tags(calls)
    group = {"TargetGroupArn": TG_ARN, "TargetGroupName": "app-dev-tg"}
    with module.stubber("elbv2") as stubber:
        stubber.add_response("describe_target_groups", {"TargetGroups": [group]}, {"Names": ["app-dev-tg"]})
        stubber.add_response("describe_target_group_attributes", {"Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}]},
                             {"TargetGroupArn": TG_ARN})
        stubber.add_response("describe_tags", {"TagDescriptions": [{"ResourceArn": TG_ARN}]}, {"ResourceArns": [TG_ARN]})
        stubber.add_client_error("describe_target_groups", service_error_code="TargetGroupNotFound")
        assert describe_by_name(calls, tags, "target_group", "app-dev-tg") == (group, {"deregistration_delay.timeout_seconds": "30"}, {})
        assert describe_by_name(calls, tags, "target_group", "gone") is None
        stubber.assert_no_pending_responses()


def test_a_deletion_problem_refuses_in_check_mode_too_before_anything_is_deleted():
    class Guarded(Thing):
        def deletion_problem(self, current):
            return {"msg": "protected", "services_count": 1}

    for check_mode in (False, True):
        thing = Guarded(FakeModule({"state": "absent", "value": "a"}, check_mode), exists="a")
        with pytest.raises(Failed, match="^protected$"):
            run(thing.module, thing, "thing")
        assert thing.calls == ["describe"]


def test_ec2_tags_change_by_resource_id_and_remove_keys_as_key_entries():
    module = FakeModule()
    tags = Ec2Tags(ServiceCalls(module, "ec2"))
    with module.stubber("ec2") as stubber:
        stubber.add_response("delete_tags", {}, {"Resources": ["fl-1"], "Tags": [{"Key": "Old"}]})
        stubber.add_response("create_tags", {}, {"Resources": ["fl-1"], "Tags": [{"Key": "Env", "Value": "prd"}]})
        tags.change("fl-1", "the flow log", {"Env": "prd"}, ["Old"])
        stubber.assert_no_pending_responses()


def test_secret_tags_change_by_secret_id():
    module = FakeModule()
    tags = SecretTags(ServiceCalls(module, "secretsmanager"))
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-dev-db-credentials-AbCdEf"
    with module.stubber("secretsmanager") as stubber:
        stubber.add_response("untag_resource", {}, {"SecretId": arn, "TagKeys": ["Old"]})
        stubber.add_response("tag_resource", {}, {"SecretId": arn, "Tags": [{"Key": "Env", "Value": "prd"}]})
        tags.change(arn, "the secret", {"Env": "prd"}, ["Old"])
        stubber.assert_no_pending_responses()
    assert tags.tags_at_create({"Env": "dev"}) == [{"Key": "Env", "Value": "dev"}]


def test_the_argument_spec_of_a_managing_module_has_its_name_state_options_and_tags():
    spec = resource_argument_spec(retention=dict(type="int"))
    assert list(spec) == ["name", "state", "retention", "tags", "purge_tags"]
    assert spec["name"] == dict(type="str", required=True)
    assert spec["state"] == dict(type="str", default="present", choices=["present", "absent"])
    assert spec["tags"] == dict(type="dict", aliases=["resource_tags"])
    assert spec["purge_tags"] == dict(type="bool", default=True)


def test_the_argument_spec_takes_another_name_option_its_aliases_another_state_and_no_tags():
    spec = resource_argument_spec(name_option="db_instance_identifier", tagged=False,
                                  db_instance_identifier=dict(type="str", required=True, aliases=["id"]),
                                  state=dict(type="str", default="retained", choices=["retained", "absent"]))
    assert spec == {"db_instance_identifier": dict(type="str", required=True, aliases=["id"]),
                    "state": dict(type="str", default="retained", choices=["retained", "absent"])}
    assert "name" not in resource_argument_spec(name_option=None)


class ExitingModule(FakeModule):
    """An AnsibleAWSModule as run_module makes it: the arguments it was given, and its one exit."""

    made = []

    def __init__(self, argument_spec, supports_check_mode, **options):
        super().__init__({"state": "present", "value": "a"})
        self.made.append((argument_spec, supports_check_mode, options))
        self.exited = None

    def exit_json(self, **result):
        self.exited = result

    def fail_json(self, msg, **result):
        self.exited = dict(result, failed=True, msg=msg)


@pytest.fixture
def exiting_module(monkeypatch):
    monkeypatch.setattr(resource, "AnsibleAWSModule", ExitingModule)
    ExitingModule.made = []
    return ExitingModule


class Returned(Thing):
    """A Thing that exists as "a" and returns one more key than run's result."""

    made = []

    def __init__(self, module):
        super().__init__(module, exists="a")
        self.made.append(self)

    def returned(self, result):
        return dict(result, more=True)


def test_run_module_makes_the_module_with_check_mode_runs_the_resource_and_exits_once_with_what_it_returns(exiting_module):
    Returned.made = []
    run_module(Returned, "thing", {"value": dict(type="str")}, required_if=[["state", "present", ["value"]]])
    assert exiting_module.made == [({"value": dict(type="str")}, True, {"required_if": [["state", "present", ["value"]]]})]
    assert Returned.made[0].module.exited == {"changed": False, "thing": {"value": "a"}, "diff": {"before": {"value": "a"}, "after": {"value": "a"}},
                                              "more": True}


def test_run_module_fails_with_the_parameters_problem_before_the_resource_is_made(exiting_module, monkeypatch):
    class Refused(Returned):
        @staticmethod
        def parameters_problem(params):
            return f"value {params['value']} is not allowed"

    Refused.made = []
    failures = []
    monkeypatch.setattr(resource, "fail_with", lambda module, problem: failures.append(problem))
    run_module(Refused, "thing", {})
    assert failures == ["value a is not allowed"]
    assert Refused.made == []


def test_run_module_fails_with_a_returned_result_that_says_failed_and_keeps_the_run_s_result(exiting_module):
    class Rolled(Returned):
        def returned(self, result):
            return dict(result, failed=True, msg="rolled back")

    Rolled.made = []
    run_module(Rolled, "thing", {})
    assert Rolled.made[0].module.exited == {"changed": False, "thing": {"value": "a"}, "diff": {"before": {"value": "a"}, "after": {"value": "a"}},
                                            "failed": True, "msg": "rolled back"}


@pytest.mark.parametrize(("service", "adapter"), [("elbv2", Elbv2Tags), ("rds", RdsTags), ("ecs", EcsTags), ("logs", MapTags), ("cloudformation", None)])
def test_a_resource_s_tags_go_through_its_service_s_adapter_unless_it_names_another(service, adapter):
    class Tagged(Thing):
        pass

    Tagged.service = service
    tagged = Tagged(FakeModule(), exists=None)
    assert (type(tagged.tags) if tagged.tags else None) is adapter
    Tagged.tag_adapter = ListTags
    assert type(Tagged(FakeModule(), exists=None).tags) is ListTags   # the exact class; pylint: disable=unidiomatic-typecheck


def test_a_named_elbv2_resource_is_described_by_name_and_returns_its_name_identity_and_owned_fields():
    class Group(NamedElbv2Resource):
        kind = "target group"
        elbv2_kind = "target_group"
        owned_keys = ("port",)
        identity = ("target_group_arn",)

        @staticmethod
        def current_state(found, attributes, tags):
            return {"target_group_arn": found["TargetGroupArn"], "port": found.get("Port", MISSING), "tags": tags}

    module = FakeModule({"name": "app-dev-tg"})
    group = Group(module)
    found = {"TargetGroupArn": TG_ARN, "TargetGroupName": "app-dev-tg"}
    with module.stubber("elbv2") as stubber:
        stubber.add_response("describe_target_groups", {"TargetGroups": [found]}, {"Names": ["app-dev-tg"]})
        stubber.add_response("describe_target_group_attributes", {"Attributes": []}, {"TargetGroupArn": TG_ARN})
        stubber.add_response("describe_tags", {"TagDescriptions": [{"ResourceArn": TG_ARN, "Tags": [{"Key": "Env", "Value": "dev"}]}]},
                             {"ResourceArns": [TG_ARN]})
        stubber.add_response("modify_target_group_attributes", {"Attributes": []},
                             {"TargetGroupArn": TG_ARN, "Attributes": [{"Key": "stickiness.enabled", "Value": "true"}]})
        current = group.describe()
        group.set_attributes(TG_ARN, {"stickiness.enabled": True})
        stubber.assert_no_pending_responses()
    assert current == {"target_group_arn": TG_ARN, "port": MISSING, "tags": {"Env": "dev"}}
    assert group.owned(current) == {"tags": {"Env": "dev"}}
    assert group.result({"after": {"port": 80}}, current) == {"target_group_name": "app-dev-tg", "target_group_arn": TG_ARN, "port": 80}
    assert group.result({"after": {"port": 80}}, None) == {"target_group_name": "app-dev-tg", "port": 80}


def test_retag_sets_and_removes_what_the_decision_says_naming_the_resource():
    class Group(Resource):
        service = "logs"
        kind = "log group"

    module = FakeModule({"name": "/ecs/app"})
    group = Group(module)
    with module.stubber("logs") as stubber:
        stubber.add_response("untag_resource", {}, {"resourceArn": LOG_GROUP_ARN, "tagKeys": ["Old"]})
        stubber.add_response("tag_resource", {}, {"resourceArn": LOG_GROUP_ARN, "tags": {"Env": "dev"}})
        group.retag(LOG_GROUP_ARN, {"tags_to_set": {"Env": "dev"}, "tags_to_remove": ["Old"]})
        stubber.add_client_error("tag_resource", service_error_code="AccessDeniedException")
        with pytest.raises(Failed, match="^Unable to tag the group: "):
            group.retag(LOG_GROUP_ARN, {"tags_to_set": {"Env": "dev"}, "tags_to_remove": []}, "the group")
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize("adapter, key, shaped", [
    (Elbv2Tags, "Tags", [{"Key": "env", "Value": "dev"}]),
    (IamRoleTags, "Tags", [{"Key": "env", "Value": "dev"}]),
    (EcsTags, "tags", [{"key": "env", "value": "dev"}]),
])
def test_the_create_argument_holds_the_tags_under_the_service_s_name_and_is_empty_without_tags(adapter, key, shaped):
    tags = adapter(None)
    assert tags.create_argument({"env": "dev"}) == {key: shaped}
    assert tags.create_argument({}) == {} and tags.create_argument(None) == {}
