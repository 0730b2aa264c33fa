from ansible_collections.nestjs_playground.infra.plugins.modules.db_endpoint_secret import plan

TAGS = {"App": "nestjs-playground"}
HOST = "app-dev.cluster-ro-abc.us-east-1.rds.amazonaws.com"


def described(tags=TAGS, deleted=False):
    """Shaped like a DescribeSecret answer."""
    answer = {"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-dev-db-read-replica-AbCdEf",
              "Name": "app-dev-db-read-replica", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
    if deleted:
        answer["DeletedDate"] = "2026-12-01T00:00:00Z"
    return answer


def test_a_missing_secret_is_created_with_the_host_and_tags():
    decision = plan(HOST, None, None, TAGS, True)
    assert decision["create"] and decision["changed"] and not decision["put"]
    assert decision["before"] == {} and decision["after"] == {"host": HOST, "tags": TAGS}


def test_the_same_host_and_tags_change_nothing():
    decision = plan(HOST, {"host": HOST}, described(), TAGS, True)
    assert not decision["changed"] and decision["before"] == decision["after"]


def test_another_host_or_another_document_is_put_and_shown():
    decision = plan(HOST, {"host": "old.example.com"}, described(), TAGS, True)
    assert decision["put"] and decision["changed"]
    assert (decision["before"]["host"], decision["after"]["host"]) == ("old.example.com", HOST)
    assert plan(HOST, {"host": HOST, "port": 5432}, described(), TAGS, True)["put"]   # exactly {"host": ...}


def test_tags_change_without_a_put():
    decision = plan(HOST, {"host": HOST}, described({"Old": "1"}), TAGS, True)
    assert decision["changed"] and not decision["put"]
    assert decision["tags_to_set"] == TAGS and decision["tags_to_remove"] == ["Old"]


def test_a_secret_scheduled_for_deletion_is_restored_and_says_so():
    decision = plan(HOST, None, described(deleted=True), TAGS, True)   # check mode: it cannot be read
    assert decision["restore"] and decision["changed"] and not decision["create"]
    assert decision["before"]["scheduled_for_deletion"] is True
