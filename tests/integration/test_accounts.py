"""One controller, two accounts: each inventory names its account and a role to assume there
(aws_account_id, aws_assume_role_arn), and everything its runs do lands in that account.

moto keeps resources per account and hands out credentials of the role's account on AssumeRole, so one
emulator holds three accounts here: the controller's own (moto's default, 123456789012, where the
credentials of the environment belong) and the two deployment accounts.
"""

import json

import boto3
import pytest
import yaml

from conftest import write_inventory

pytestmark = pytest.mark.integration

CONTROLLER_ACCOUNT = "123456789012"
ACCOUNTS = {"dev-account": "111111111111", "qa-account": "222222222222"}
HOST = "nestjs-playground-dev"


def identity(account):
    """The host variables of the deployment in ``account``, apart from what the landing zone gives."""
    return {
        "environment_name": "dev",
        "hosted_zone_name": "example.com",
        "domain_name": "nestjs-playground-api",
        "aws_account_id": account,
        "aws_assume_role_arn": f"arn:aws:iam::{account}:role/nestjs-playground-deployer",
        "aws_assume_role_external_id": "awx-nestjs-playground",
    }


def session(emulator, account):
    """A boto3 session in ``account``, as the role the inventory names (read-only use by the tests)."""
    sts = boto3.client("sts", endpoint_url=emulator.url, region_name=emulator.region,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    credentials = sts.assume_role(RoleArn=identity(account)["aws_assume_role_arn"], RoleSessionName="tests")["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"], region_name=emulator.region,
    )


def client(emulator, account, service):
    return session(emulator, account).client(service, endpoint_url=emulator.url)


@pytest.fixture(scope="module")
def scenario(ansible, tmp_path_factory):
    inventories, outputs, builds = {}, {}, {}
    # Each account's landing zone, both built at once (the playbook assumes each inventory's role).
    for name, account in ACCOUNTS.items():
        directory = tmp_path_factory.mktemp(name)
        bare = write_inventory(directory / "bare", identity(account), host=HOST)
        builds[name] = (directory, ansible.spawn("playbooks/landing_zone.yml", bare,
                                                 extra_vars=[{"landing_zone_dir": str(directory / "landing-zone")}]))
    for name, (directory, build) in builds.items():
        built = build.wait()
        assert built.rc == 0, built
        lz = yaml.safe_load((directory / "landing-zone" / f"landing-zone-{HOST}.yml").read_text())
        inventories[name] = write_inventory(directory / "inventory", dict(lz, **identity(ACCOUNTS[name])), host=HOST)
        outputs[name] = directory / "outputs.json"
    # Both accounts converge at once, from one controller and one set of credentials.
    runs = {name: ansible.spawn("site.yml", inventories[name], extra_vars=[{"outputs_file": str(outputs[name])}])
            for name in ACCOUNTS}
    converges = {name: run.wait() for name, run in runs.items()}
    first = "dev-account"
    return {
        "converges": converges,
        "inventories": inventories,
        "outputs": {name: json.loads(path.read_text()) if path.exists() else {} for name, path in outputs.items()},
        "check": ansible.playbook("site.yml", inventories[first], check=True, extra_vars=[{"outputs_file": ""}]),
        "rerun": ansible.playbook("site.yml", inventories[first], extra_vars=[{"outputs_file": ""}]),
    }


def test_each_inventory_converges_with_its_own_identity(scenario):
    for name, run in scenario["converges"].items():
        assert run.rc == 0, f"{name}: {run!r}"
        assert run.host_stats(HOST)["changed"] > 0


def test_each_account_holds_its_own_stack(scenario, emulator):
    for name, account in ACCOUNTS.items():
        assert scenario["converges"][name].rc == 0
        ecs, rds = client(emulator, account, "ecs"), client(emulator, account, "rds")
        assert ecs.list_clusters()["clusterArns"] == [f"arn:aws:ecs:{emulator.region}:{account}:cluster/{HOST}"]
        (cluster,) = rds.describe_db_clusters()["DBClusters"]
        assert cluster["DBClusterArn"].split(":")[4] == account
        secrets = client(emulator, account, "secretsmanager").list_secrets()["SecretList"]
        assert [s["Name"] for s in secrets] == [f"{HOST}-db-credentials"]
        (repository,) = client(emulator, account, "ecr").describe_repositories()["repositories"]
        assert repository["registryId"] == account


def test_the_outputs_name_each_accounts_resources(scenario):
    for name, account in ACCOUNTS.items():
        outputs = scenario["outputs"][name]
        assert outputs[f"{HOST}-db-secret-arn"].split(":")[4] == account
        assert outputs[f"{HOST}-ecr-uri"].startswith(f"{account}.dkr.ecr.")


def test_nothing_lands_in_the_controllers_account(scenario, ansible):
    assert all(run.rc == 0 for run in scenario["converges"].values())
    assert ansible.client("sts").get_caller_identity()["Account"] == CONTROLLER_ACCOUNT
    assert ansible.client("ecs").list_clusters()["clusterArns"] == []
    assert ansible.client("rds").describe_db_clusters()["DBClusters"] == []
    assert ansible.client("secretsmanager").list_secrets()["SecretList"] == []
    assert ansible.client("elbv2").describe_load_balancers()["LoadBalancers"] == []
    assert ansible.client("route53").list_hosted_zones()["HostedZones"] == []


def test_check_mode_and_the_rerun_see_the_assumed_account(scenario):
    # Were they to look into the controller's account, everything would be missing (changes, or a failed lookup).
    for run in (scenario["check"], scenario["rerun"]):
        assert run.rc == 0, run
        assert run.host_stats(HOST)["changed"] == 0, run.changed_tasks(HOST)


def test_credentials_of_another_account_stop_the_run_naming_the_account_they_belong_to(scenario, ansible, tmp_path):
    # The dev account's inventory without its role: the controller's own credentials are used.
    inventory = write_inventory(tmp_path, {key: value for key, value in _host_vars(scenario["inventories"]["dev-account"]).items()
                                           if not key.startswith("aws_assume_role")}, host=HOST)
    run = ansible.playbook("site.yml", inventory, extra_vars=[{"outputs_file": ""}])
    assert run.rc != 0
    assert (f"aws_account_id '{ACCOUNTS['dev-account']}' is not the account of the credentials in use "
            f"({CONTROLLER_ACCOUNT})") in run.failure(HOST)
    assert ansible.client("ecs").list_clusters()["clusterArns"] == []


def test_a_role_outside_aws_account_id_is_refused_before_any_aws_call(scenario, ansible, tmp_path):
    host_vars = dict(_host_vars(scenario["inventories"]["dev-account"]), aws_account_id=ACCOUNTS["qa-account"])
    run = ansible.playbook("site.yml", write_inventory(tmp_path, host_vars, host=HOST), extra_vars=[{"outputs_file": ""}])
    assert run.rc != 0
    assert (f"aws_assume_role_arn '{identity(ACCOUNTS['dev-account'])['aws_assume_role_arn']}' is a role of account "
            f"{ACCOUNTS['dev-account']}, not of aws_account_id '{ACCOUNTS['qa-account']}'") in run.failure(HOST)
    assert "The inputs of nestjs-playground-dev are not usable (nothing was changed):" in run.failure(HOST)


def _host_vars(inventory):
    with open(inventory, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["deployments"]["hosts"][HOST]
