"""One inventory, two applications: site.yml converges both deployments in one run (Ansible's forks run
the hosts in parallel), each into its own resources, and the rerun changes nothing for either. They share
the landing zone's VPC, hosted zone and wildcard certificate; each has its own JWT parameter."""

import pytest

from conftest import landing_zone
from conftest import write_inventory

pytestmark = pytest.mark.integration

APPS = {
    "nestjs-playground-dev": {"app_name": "nestjs-playground", "domain_name": "nestjs-playground-api"},
    "billing-api-dev": {"app_name": "billing-api", "domain_name": "billing-api"},
}


@pytest.fixture(scope="module")
def scenario(ansible, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    ansible.client("ssm").put_parameter(Name="/billing-api/jwt-secret", Type="SecureString", Value="billing-jwt-secret")
    inventory = write_inventory(tmp_path_factory.mktemp("two-apps"), hosts={
        host: dict(lz, environment_name="dev", **names) for host, names in APPS.items()
    })
    converge = ansible.playbook("site.yml", inventory)
    outputs = {host: ansible.outputs(host) for host in APPS} if converge.rc == 0 else {}
    return {"converge": converge, "rerun": ansible.playbook("site.yml", inventory), "outputs": outputs}


def test_both_deployments_converge_in_one_run(scenario):
    run = scenario["converge"]
    assert run.rc == 0, run
    for host in APPS:
        assert run.host_stats(host)["failures"] == 0
        assert run.host_stats(host)["changed"] > 0


def test_each_application_has_its_own_stack(scenario, ansible):
    assert scenario["converge"].rc == 0
    ecs, rds, ecr = ansible.client("ecs"), ansible.client("rds"), ansible.client("ecr")
    assert sorted(arn.split("/")[-1] for arn in ecs.list_clusters()["clusterArns"]) == sorted(APPS)
    assert sorted(c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]) == sorted(APPS)
    assert sorted(r["repositoryName"] for r in ecr.describe_repositories()["repositories"]) == ["billing-api", "nestjs-playground"]
    for host in APPS:
        (service,) = ecs.describe_services(cluster=host, services=[host])["services"]
        assert service["status"] == "ACTIVE"
    names = {lb["LoadBalancerName"] for lb in ansible.client("elbv2").describe_load_balancers()["LoadBalancers"]}
    assert names == {f"{host}-alb" for host in APPS}


def test_each_application_gets_its_dns_name_and_its_outputs_file(scenario, ansible):
    route53 = ansible.client("route53")
    (zone,) = route53.list_hosted_zones()["HostedZones"]
    records = {r["Name"] for r in route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
               if r["Type"] == "A"}
    assert records == {"nestjs-playground-api.example.com.", "billing-api.example.com."}
    for host, names in APPS.items():
        outputs = scenario["outputs"][host]
        assert all(key.startswith(f"{host}-") for key in outputs)
        assert outputs[f"{host}-app-url"] == f"https://{names['domain_name']}.example.com"
        assert outputs[f"{host}-ecr-name"] == names["app_name"]


def test_the_rerun_changes_nothing_for_either(scenario):
    run = scenario["rerun"]
    assert run.rc == 0, run
    for host in APPS:
        assert run.host_stats(host)["changed"] == 0, run.changed_tasks(host)
