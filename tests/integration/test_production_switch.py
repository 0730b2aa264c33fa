"""Production is a switch, not the literal name prd: an environment named `production` with `production: true`
gets what prd gets - deletion protection and 7-day backups on its cluster (the database tier, converged for
real), and a teardown that is refused without confirm_destroy, before any AWS call. The same name without the
switch is refused by the pre-flight (tests/integration/test_input_validation.py)."""

import pytest

from conftest import landing_zone
from conftest import write_inventory
from resources import requests_served

pytestmark = pytest.mark.integration

HOST = "nestjs-playground-production"
CLUSTER = "nestjs-playground-production"


@pytest.fixture(scope="module")
def scenario(ansible, emulator, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    inventory = write_inventory(tmp_path_factory.mktemp("inventory"), dict(lz, environment_name="production", production=True),
                                host=HOST)
    converge = ansible.playbook("site.yml", inventory, args=["--tags", "network,database"])
    before = requests_served(emulator)
    destroy = ansible.playbook("playbooks/destroy.yml", inventory)
    return {"converge": converge, "destroy": destroy, "destroy_served": requests_served(emulator) - before}


def test_an_environment_named_production_with_the_switch_gets_the_production_database_protections(scenario, ansible):
    run = scenario["converge"]
    assert run.rc == 0, run
    (cluster,) = ansible.client("rds").describe_db_clusters(DBClusterIdentifier=CLUSTER)["DBClusters"]
    assert cluster["DeletionProtection"] is True
    assert cluster["BackupRetentionPeriod"] == 7


def test_its_teardown_asks_for_confirmation_before_any_aws_call(scenario, ansible):
    run = scenario["destroy"]
    assert run.rc != 0
    assert ("environment_name is production, a production environment: pass -e confirm_destroy=production to destroy it "
            "(confirm_destroy is not set)") in run.failure(HOST)
    assert scenario["destroy_served"] == 0
    assert [c["DBClusterIdentifier"] for c in ansible.client("rds").describe_db_clusters()["DBClusters"]] == [CLUSTER]
