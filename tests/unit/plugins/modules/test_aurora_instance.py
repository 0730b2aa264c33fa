from ansible_collections.nestjs_playground.infra.plugins.modules.aurora_instance import current_state
from ansible_collections.nestjs_playground.infra.plugins.modules.aurora_instance import desired_state
from ansible_collections.nestjs_playground.infra.plugins.modules.aurora_instance import plan

TAGS = {"App": "nestjs-playground"}
PARAMS = {"db_cluster_identifier": "app-dev", "engine": "aurora-postgresql", "db_instance_class": "db.serverless",
          "promotion_tier": 0, "publicly_accessible": False}


def described(**changes):
    """Shaped like a DescribeDBInstances entry."""
    instance = {"DBInstanceIdentifier": "app-dev-writer", "DBClusterIdentifier": "app-dev", "Engine": "aurora-postgresql",
                "DBInstanceClass": "db.serverless", "PromotionTier": 0, "PubliclyAccessible": False,
                "DBInstanceStatus": "available", "DBInstanceArn": "arn:aws:rds:us-east-1:123456789012:db:app-dev-writer"}
    instance.update(changes)
    return instance


def decide(params=None, instance=None, tags=None, desired_tags=TAGS, purge=True):
    return plan(desired_state(dict(PARAMS, **(params or {}))), current_state(instance), tags, desired_tags, purge)


def test_a_missing_instance_is_created_with_everything_asked():
    decision = decide()
    assert decision["create"] and decision["changed"] and not decision["modify"] and decision["problem"] is None
    assert decision["before"] == {}
    assert decision["after"] == dict(PARAMS, tags=TAGS)


def test_the_same_instance_and_tags_change_nothing():
    decision = decide(instance=described(), tags=TAGS)
    assert not decision["changed"] and decision["before"] == decision["after"]


def test_class_tier_and_public_access_are_modified_in_place():
    decision = decide({"db_instance_class": "db.r6g.large", "promotion_tier": 2, "publicly_accessible": True},
                      described(), TAGS)
    assert decision["changed"] and not decision["create"]
    assert decision["modify"] == {"DBInstanceClass": "db.r6g.large", "PromotionTier": 2, "PubliclyAccessible": True}


def test_an_option_not_given_is_left_as_it_is():
    decision = decide({"promotion_tier": None, "publicly_accessible": None}, described(PromotionTier=5, PubliclyAccessible=True), TAGS)
    assert not decision["changed"]
    assert decision["after"]["promotion_tier"] == 5


def test_tags_are_added_and_purged_and_left_alone_without_tags():
    decision = decide(instance=described(), tags={"App": "old", "Extra": "x"})
    assert decision["tags_to_set"] == TAGS and decision["tags_to_remove"] == ["Extra"] and decision["changed"]
    assert not decide(instance=described(), tags={"Extra": "x"}, desired_tags=None)["changed"]
    assert decide(instance=described(), tags={"Extra": "x"}, purge=False)["after"]["tags"] == {"Extra": "x", **TAGS}


def test_an_instance_of_another_cluster_or_engine_is_a_problem():
    assert "belongs to the DB cluster other, not app-dev" in decide(instance=described(DBClusterIdentifier="other"), tags=TAGS)["problem"]
    assert "runs the engine aurora-mysql, not aurora-postgresql" in decide(instance=described(Engine="aurora-mysql"), tags=TAGS)["problem"]


def test_a_field_aws_does_not_return_is_no_change():
    instance = described()
    del instance["PromotionTier"]
    assert not decide(instance=instance, tags=TAGS)["changed"]
