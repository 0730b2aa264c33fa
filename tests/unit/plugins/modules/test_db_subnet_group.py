import botocore.session
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.nestjs_playground.infra.plugins.modules.db_subnet_group import SubnetGroup
from ansible_collections.nestjs_playground.infra.plugins.modules.db_subnet_group import current_state
from ansible_collections.nestjs_playground.infra.plugins.modules.db_subnet_group import plan

TAGS = {"App": "nestjs-playground"}
SUBNETS = ["subnet-b", "subnet-a"]


def described(description="private", subnets=("subnet-a", "subnet-b")):
    """Shaped like a DescribeDBSubnetGroups entry (AWS lists the subnets in no particular order)."""
    return {"DBSubnetGroupName": "app-dev-db", "DBSubnetGroupDescription": description, "VpcId": "vpc-1",
            "Subnets": [{"SubnetIdentifier": subnet} for subnet in subnets]}


def test_a_missing_group_is_created_with_its_subnets_sorted_and_tags():
    decision = plan("private", SUBNETS, None, {}, TAGS, True)
    assert decision["create"] and decision["changed"] and not decision["modify"]
    assert decision["before"] == {}
    assert decision["after"] == {"description": "private", "subnet_ids": ["subnet-a", "subnet-b"], "tags": TAGS}


def test_the_same_subnets_in_another_order_change_nothing():
    decision = plan("private", SUBNETS, current_state(described(subnets=("subnet-b", "subnet-a"))), TAGS, TAGS, True)
    assert not decision["changed"] and decision["before"] == decision["after"]


def test_another_subnet_or_description_modifies_the_group():
    decision = plan("private", ["subnet-a", "subnet-c"], current_state(described()), TAGS, TAGS, True)
    assert decision["modify"] and decision["changed"] and not decision["create"]
    assert decision["after"]["subnet_ids"] == ["subnet-a", "subnet-c"]
    assert plan("other", SUBNETS, current_state(described()), TAGS, TAGS, True)["modify"]


def test_tags_are_converged_without_modifying_the_group():
    decision = plan("private", SUBNETS, current_state(described()), {"App": "old", "X": "1"}, TAGS, True)
    assert decision["changed"] and not decision["modify"]
    assert decision["tags_to_set"] == TAGS and decision["tags_to_remove"] == ["X"]
    assert not plan("private", SUBNETS, current_state(described()), {"X": "1"}, None, True)["changed"]


class FakeModule:
    """What SubnetGroup needs of AnsibleAWSModule: its parameters, a client (here stubbed) and fail_json_aws."""

    def __init__(self, client):
        self._client = client
        self.params = {"name": "app-dev-db", "description": "private", "subnets": ["subnet-c", "subnet-a"],
                       "tags": TAGS, "purge_tags": True}

    def client(self, _service, retry_decorator=None):
        return RetryingBotoClientWrapper(self._client, retry_decorator)   # as AnsibleAWSModule.client wraps it

    def fail_json_aws(self, error, msg):
        raise AssertionError(f"{msg}: {error}")


def test_a_changed_subnet_list_is_one_modify_request_with_every_subnet():
    """The emulator loses a group it modifies (docs/emulator-gaps.md): the request is proved here."""
    client = botocore.session.get_session().create_client("rds", region_name="us-east-1", aws_access_key_id="k",
                                                          aws_secret_access_key="s")
    stubber = Stubber(client)
    group = SubnetGroup(FakeModule(client))
    current = {"group": dict(described(), DBSubnetGroupArn="arn:aws:rds:us-east-1:1:subgrp:app-dev-db"),
               "owned": current_state(described()), "tags": TAGS}
    decision = group.plan(current)
    stubber.add_response("modify_db_subnet_group", {"DBSubnetGroup": {"DBSubnetGroupName": "app-dev-db"}}, expected_params={
        "DBSubnetGroupName": "app-dev-db", "DBSubnetGroupDescription": "private", "SubnetIds": ["subnet-a", "subnet-c"]})
    stubber.add_response("describe_db_subnet_groups", {"DBSubnetGroups": []})   # the group as the modify left it
    with stubber:
        group.apply(decision, current)
    stubber.assert_no_pending_responses()
