"""awx/configure.yml, the AWX objects as code, validated as far as no AWX server allows.

There is no AWX here. The playbook runs in check mode against a stand-in controller (an HTTP server on
loopback that refuses every write and knows a catalogue of objects: the ones an AWX must hold before the
playbook runs, and the ones the playbook's earlier tasks ensure), so that the real awx.awx modules validate
every argument they are given (names, types, choices), resolve each reference against that catalogue (a
reference to a name it does not hold fails, as on a real controller), and get as far as the write they
would make. The tests then read the arguments each module
received (rendered by Ansible, as AWX would receive them) and check the survey specs against the rules
AWX applies to them, and that each survey variable is an input of the playbook it launches.
"""

import http.server
import json
import os
import re
import sys
import threading
import urllib.parse

import pytest
import yaml

from conftest import ROOT

pytestmark = pytest.mark.integration

ENVIRONMENTS = ["dev", "qa", "prd"]
PLAYBOOKS = {"site": "site.yml", "plan": "playbooks/plan.yml", "deploy": "playbooks/deploy.yml",
             "destroy": "playbooks/destroy.yml", "rotate-db-credentials": "playbooks/rotate_db_credentials.yml",
             "rollback": "playbooks/rollback.yml", "scale": "playbooks/scale.yml", "status": "playbooks/status.yml",
             "restore-db": "playbooks/restore_db.yml", "copy-db-snapshot": "playbooks/copy_db_snapshot.yml"}
NOTIFICATION = "nestjs-playground-job-failed"
TEMPLATES_TASK = "Ensure one job template per environment and playbook"
NOTIFICATION_TASK = "Ensure the notification sent when a job fails"
PLACEHOLDER_TASK = "Warn while the failure notification goes to the placeholder"
DRIFT_TASK = "Ensure each environment is planned every day, failing when it differs from its inventory"
SNAPSHOT_COPY_TASK = "Ensure the latest database snapshot is copied to the copy region every day where one is set"
ROTATION_TASK = "Ensure each environment's database credentials are rotated when due, every day"
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


# What a lookup finds, by API list: the organization and the AWS credential that must exist beforehand
# (awx/configure.yml's defaults), and what the playbook's earlier tasks ensure, which later tasks refer to.
# Inventory sources and job templates are what nothing refers to: none exists yet, so their modules go as
# far as creating them.
CATALOGUE = {
    "organizations": {"Default"},
    "credentials": {"nestjs-playground-aws"},
    "execution_environments": {"nestjs-playground-ee"},
    "projects": {"nestjs-playground-infra"},
    "inventories": {f"nestjs-playground-{env}" for env in ENVIRONMENTS},
    "notification_templates": {NOTIFICATION},
    "inventory_sources": set(),
    "job_templates": set(),
    "schedules": set(),
}


class StandInController(http.server.BaseHTTPRequestHandler):
    """A GET of a list finds the object of the name asked when the catalogue holds it; every write is refused."""

    requests = []

    def log_message(self, *_):
        pass

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-API-Product-Name", "AWX")
        self.send_header("X-API-Product-Version", "24.6.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        self.requests.append(("GET", url.path, query))
        name = query.get("name") or query.get("or__name") or "object"
        kind = url.path.rstrip("/").split("/")[-1]
        found = {"id": 1, "name": name, "type": kind.rstrip("s"), "url": f"{url.path}1/", "related": {},
                 "summary_fields": {}, "organization": 1, "kind": "", "variables": "", "survey_enabled": False,
                 "playbook": "", "inventory": 1, "project": 1}
        results = [found] if kind not in CATALOGUE or name in CATALOGUE[kind] else []
        self._answer(200, {"count": len(results), "next": None, "previous": None, "results": results})

    def _refuse(self):
        self.requests.append((self.command, urllib.parse.urlsplit(self.path).path, {}))
        self._answer(405, {"detail": "the stand-in controller accepts no write"})

    do_POST = do_PATCH = do_PUT = do_DELETE = _refuse  # noqa: N815


@pytest.fixture(scope="module")
def controller():
    StandInController.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandInController)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", StandInController.requests
    server.shutdown()


def configure_in_check_mode(ansible, url, **extra):
    return ansible.playbook(
        "awx/configure.yml", inventory="localhost,", check=True,
        extra_vars=[{"awx_project_scm_url": "https://git.example.com/platform/nestjs-playground-infra.git",
                     "ansible_python_interpreter": sys.executable, **extra}],
        env={"CONTROLLER_HOST": url, "CONTROLLER_OAUTH_TOKEN": "stand-in", "CONTROLLER_VERIFY_SSL": "false"},
    )


@pytest.fixture(scope="module")
def configure(ansible, controller):
    url, requests = controller
    run = configure_in_check_mode(ansible, url)
    return run, list(requests)


def module_args(run, task):
    """The arguments each loop item of ``task`` gave its module, as rendered by Ansible."""
    result = run.result(task, host="localhost")
    return [item["invocation"]["module_args"] for item in result.get("results", [result])]


def test_every_task_passes_the_awx_modules_validation_and_would_write(configure):
    run, _ = configure
    assert run.rc == 0, run
    stats = run.host_stats("localhost")
    assert stats["failures"] == 0
    assert stats["changed"] > 0


def test_nothing_was_written_to_the_controller(configure):
    _, requests = configure
    assert [request for request in requests if request[0] != "GET"] == []


def test_every_reference_was_looked_up_in_the_catalogue(configure):
    _, requests = configure
    looked_up = {path.rstrip("/").split("/")[-1] for method, path, _ in requests if method == "GET"}
    assert {"organizations", "credentials", "execution_environments", "projects", "inventories"} <= looked_up


def test_a_reference_the_controller_does_not_hold_fails_the_run(ansible, controller, configure):
    """One environment is enough: every job template names the credential, so dev's fail as qa's and prd's
    would (a third of the loop items, and of the run's 60 s)."""
    url, _ = controller
    run = configure_in_check_mode(ansible, url, awx_aws_credential="nestjs-playground-aws-typo", awx_environments=["dev"])
    assert run.rc != 0
    result = run.result("Ensure one job template per environment and playbook", host="localhost")
    assert result["failed"] is True
    assert any("nestjs-playground-aws-typo" in item.get("msg", "") for item in result.get("results", [result])), result


def test_one_inventory_per_environment_sourced_from_the_project(configure):
    run, _ = configure
    sources = module_args(run, "Ensure each inventory is read from inventories/<environment> of the project")
    assert sorted((s["inventory"], s["source"], s["source_path"], s["source_project"]) for s in sources) == sorted(
        (f"nestjs-playground-{env}", "scm", f"inventories/{env}", "nestjs-playground-infra") for env in ENVIRONMENTS)
    for env in ENVIRONMENTS:
        assert os.path.isdir(os.path.join(ROOT, "inventories", env))


def test_one_job_template_per_environment_and_playbook(configure):
    run, _ = configure
    templates = module_args(run, "Ensure one job template per environment and playbook")
    assert sorted((t["name"], t["inventory"], t["playbook"]) for t in templates) == sorted(
        (f"nestjs-playground-{env}-{key}", f"nestjs-playground-{env}", playbook)
        for env in ENVIRONMENTS for key, playbook in PLAYBOOKS.items())
    for template in templates:
        assert os.path.isfile(os.path.join(ROOT, template["playbook"])), template["playbook"]
        assert template["allow_simultaneous"] is False
        assert template["credentials"] == ["nestjs-playground-aws"]
        assert template["execution_environment"] == "nestjs-playground-ee"


def _surveys(run):
    templates = module_args(run, "Ensure one job template per environment and playbook")
    return {t["name"]: t["survey_spec"] for t in templates if t["survey_enabled"]}


def test_each_destroy_asks_for_the_confirmation_and_only_prd_for_the_database(configure):
    run, _ = configure
    surveys = _surveys(run)
    for env in ENVIRONMENTS:
        questions = {q["variable"]: q for q in surveys[f"nestjs-playground-{env}-destroy"]["spec"]}
        assert questions["confirm_destroy"]["required"] is True
        assert ("destroy_database" in questions) == (env == "prd")
        assert set(surveys[f"nestjs-playground-{env}-deploy"]["spec"][0].items()) >= {("variable", "app_version"),
                                                                                     ("required", True)}
        assert f"nestjs-playground-{env}-site" not in surveys


def test_the_survey_specs_follow_awxs_rules(configure):
    run, _ = configure
    surveys = _surveys(run)
    assert surveys
    for name, survey in surveys.items():
        assert survey["name"] and survey["description"] and isinstance(survey["spec"], list), name
        variables = [q["variable"] for q in survey["spec"]]
        assert len(variables) == len(set(variables)), name
        for question in survey["spec"]:
            assert {"question_name", "variable", "type", "required"} <= set(question), (name, question)
            assert question["type"] in SURVEY_TYPES, (name, question)
            assert isinstance(question["required"], bool)
            if question["type"] == "multiplechoice":
                assert question["default"] in question["choices"], (name, question)
            if question["type"] == "text":
                assert 0 <= question["min"] <= question["max"], (name, question)


def test_each_survey_variable_is_an_input_of_the_playbook_it_launches(configure):
    run, _ = configure
    templates = module_args(run, "Ensure one job template per environment and playbook")
    inputs = set()
    for role in os.listdir(os.path.join(ROOT, "roles")):
        with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml"), encoding="utf-8") as handle:
            for entry in yaml.safe_load(handle)["argument_specs"].values():
                inputs |= set(entry.get("options", {}))
    for template in templates:
        if not template["survey_enabled"]:
            continue
        with open(os.path.join(ROOT, template["playbook"]), encoding="utf-8") as handle:
            playbook = handle.read()
        for question in template["survey_spec"]["spec"]:
            assert question["variable"] in inputs or question["variable"] in playbook, (template["name"], question["variable"])


def test_each_environment_rotates_its_credentials_daily_when_due_and_only_prd_asks_for_a_confirmation(configure):
    run, _ = configure
    schedules = module_args(run, "Ensure each environment's database credentials are rotated when due, every day")
    assert sorted((s["name"], s["unified_job_template"]) for s in schedules) == sorted(
        (f"nestjs-playground-{env}-rotate-db-credentials-daily", f"nestjs-playground-{env}-rotate-db-credentials")
        for env in ENVIRONMENTS)
    for schedule in schedules:
        assert "FREQ=DAILY" in schedule["rrule"] and schedule["enabled"] is True
        assert schedule["extra_data"] == {"rotate_db_credentials_only_when_due": "true"}
    surveys = _surveys(run)
    for env in ENVIRONMENTS:
        questions = {q["variable"]: q for q in surveys[f"nestjs-playground-{env}-rotate-db-credentials"]["spec"]}
        assert ("confirm_rotate" in questions) == (env == "prd")
        # the schedule's answer is one of the survey's choices, so AWX accepts it as extra data
        assert "true" in questions["rotate_db_credentials_only_when_due"]["choices"]



def _source(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return handle.read()


def _words(path):
    """The names in a file outside its comment lines: what a playbook or task file reads, not what it explains."""
    code = "\n".join(line for line in _source(path).splitlines() if not line.lstrip().startswith("#"))
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code))


def _read_by(playbook):
    """The names a playbook reads: its own, and those of the task files and templates of the roles it runs."""
    words = _words(playbook)
    for role in os.listdir(os.path.join(ROOT, "roles")):
        if f"nestjs_playground.infra.{role}" in _source(playbook):
            for folder in ("tasks", "templates"):
                directory = os.path.join(ROOT, "roles", role, folder)
                for name in os.listdir(directory) if os.path.isdir(directory) else []:
                    words |= _words(os.path.join("roles", role, folder, name))
    return words


def test_each_new_operation_has_its_template_in_every_environment_with_the_notification(configure):
    run, _ = configure
    templates = {t["name"]: t for t in module_args(run, TEMPLATES_TASK)}
    for env in ENVIRONMENTS:
        for key in ("rollback", "scale", "status", "restore-db", "copy-db-snapshot"):
            template = templates[f"nestjs-playground-{env}-{key}"]
            assert template["playbook"] == PLAYBOOKS[key]
            assert template["notification_templates_error"] == [NOTIFICATION]


def test_each_survey_variable_is_read_by_its_playbook_outside_comments(configure):
    run, _ = configure
    checked = 0
    for template in module_args(run, TEMPLATES_TASK):
        if not template["survey_enabled"]:
            continue
        read = _read_by(template["playbook"])
        for question in template["survey_spec"]["spec"]:
            assert question["variable"] in read, (template["name"], question["variable"])
            checked += 1
    assert checked >= 3 * 10   # every environment's surveys, the operations' questions included


def test_the_operations_surveys_ask_for_their_inputs_and_only_prd_for_the_stop_confirmation(configure):
    run, _ = configure
    surveys = _surveys(run)
    for env in ENVIRONMENTS:
        scale = {q["variable"]: q for q in surveys[f"nestjs-playground-{env}-scale"]["spec"]}
        assert scale["scale_action"]["required"] is True and sorted(scale["scale_action"]["choices"]) == ["start", "stop"]
        assert ("confirm_stop" in scale) == (env == "prd")
        restore = {q["variable"]: q for q in surveys[f"nestjs-playground-{env}-restore-db"]["spec"]}
        assert restore["restore_db_cluster_identifier"]["required"] is True
        assert {"restore_to_time", "restore_use_latest", "restore_switch_secret", "confirm_restore_switch"} <= set(restore)
        rollback = {q["variable"]: q for q in surveys[f"nestjs-playground-{env}-rollback"]["spec"]}
        assert rollback["rollback_to_revision"]["required"] is False   # empty: the previous revision
        assert f"nestjs-playground-{env}-status" not in surveys
        assert f"nestjs-playground-{env}-copy-db-snapshot" not in surveys


def test_each_environment_runs_a_drift_plan_every_day_that_fails_on_changes(configure):
    run, _ = configure
    schedules = module_args(run, DRIFT_TASK)
    assert sorted((s["name"], s["unified_job_template"]) for s in schedules) == sorted(
        (f"nestjs-playground-{env}-plan-drift-daily", f"nestjs-playground-{env}-plan") for env in ENVIRONMENTS)
    for schedule in schedules:
        assert "FREQ=DAILY" in schedule["rrule"] and schedule["enabled"] is True
        assert schedule["extra_data"] == {"plan_fail_on_changes": "true"}


def test_only_the_environments_with_a_copy_region_copy_their_snapshot_every_day(configure):
    run, _ = configure
    schedules = module_args(run, SNAPSHOT_COPY_TASK)
    with_copy_region = []
    for env in ENVIRONMENTS:
        with open(os.path.join(ROOT, "inventories", env, "group_vars", "deployments.yml"), encoding="utf-8") as handle:
            if (yaml.safe_load(handle) or {}).get("database_snapshot_copy_region"):
                with_copy_region.append(env)
    assert with_copy_region == ["prd"]
    assert [(s["name"], s["unified_job_template"]) for s in schedules] == [
        ("nestjs-playground-prd-copy-db-snapshot-daily", "nestjs-playground-prd-copy-db-snapshot")]
    assert "FREQ=DAILY" in schedules[0]["rrule"] and schedules[0]["enabled"] is True
    assert not schedules[0].get("extra_data")


def test_every_schedule_answers_only_its_templates_survey_with_one_of_its_choices(configure):
    run, _ = configure
    surveys = _surveys(run)
    templates = {t["name"] for t in module_args(run, TEMPLATES_TASK)}
    schedules = [s for task in (ROTATION_TASK, DRIFT_TASK, SNAPSHOT_COPY_TASK) for s in module_args(run, task)]
    assert len(schedules) == 3 + 3 + 1
    for schedule in schedules:
        assert schedule["unified_job_template"] in templates, schedule["name"]
        questions = {q["variable"]: q for q in surveys.get(schedule["unified_job_template"], {"spec": []})["spec"]}
        for variable, answer in (schedule.get("extra_data") or {}).items():
            # extra variables at launch are off: AWX accepts only a survey's variables, a choice among its choices
            assert variable in questions, (schedule["name"], variable)
            assert answer in questions[variable].get("choices", [answer]), (schedule["name"], variable, answer)
        required = {v for v, q in questions.items() if q["required"] and "default" not in q}
        assert required <= set(schedule.get("extra_data") or {}), schedule["name"]


def test_a_failure_notification_with_a_placeholder_target_is_attached_to_every_template(configure):
    run, requests = configure
    (notification,) = module_args(run, NOTIFICATION_TASK)
    assert notification["name"] == NOTIFICATION and notification["organization"] == "Default"
    assert notification["notification_type"] == "webhook"
    assert notification["notification_configuration"]["url"].startswith("https://alerts.example.invalid/")
    warning = run.result(PLACEHOLDER_TASK, host="localhost")
    assert "placeholder https://alerts.example.invalid/" in warning["msg"]
    templates = module_args(run, TEMPLATES_TASK)
    assert len(templates) == len(ENVIRONMENTS) * len(PLAYBOOKS)
    assert all(t["notification_templates_error"] == [NOTIFICATION] for t in templates)
    # each template resolved the notification by name on the controller, as it does on a real one
    assert any(path.endswith("/notification_templates/") and query.get("name") == NOTIFICATION
               for method, path, query in requests if method == "GET")


def test_a_notification_target_of_ones_own_is_passed_and_its_secret_never_shown(ansible, controller):
    url, _ = controller
    secret = "s3cret-webhook-token-0123456789"
    run = configure_in_check_mode(
        ansible, url, awx_environments=[], awx_snapshot_copy_environments=[],
        awx_notification_configuration={"url": "https://hooks.example.com/ops", "http_method": "POST",
                                        "headers": {"Authorization": f"Bearer {secret}"}, "username": "",
                                        "password": "", "disable_ssl_verification": False})
    assert run.rc == 0, run
    assert run.result(NOTIFICATION_TASK, host="localhost")["changed"] is True
    assert run.result(PLACEHOLDER_TASK, host="localhost").get("skipped") is True
    assert secret not in run.stdout + run.stderr
