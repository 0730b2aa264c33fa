#!/usr/bin/env python3
"""The local AWS endpoint: moto in server mode on 127.0.0.1.

Used three ways:

* as a library by the pytest fixtures (``Emulator().start()`` / ``.reset()`` / ``.stop()``);
* as a command by the Makefile and the molecule scenarios::

      python scripts/emulator.py ensure   # print `export ...` lines for a running emulator, starting one if needed
      python scripts/emulator.py reset    # forget every resource (POST /moto-api/reset)
      python scripts/emulator.py stop     # stop the emulator that `ensure` started, by its own process id
      python scripts/emulator.py status

The command keeps its state (pid, port) in ``.emulator/state.json`` at the repository root, so
``make demo`` can leave the emulator running and ``make down`` can stop exactly that process.
"""

import argparse
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE_DIR = os.path.join(ROOT, ".emulator")
STATE_FILE = os.path.join(STATE_DIR, "state.json")

# Settings the roles need from moto (measured, see ../shared/notes and docs/emulator-gaps.md):
# managed IAM policies must exist for AmazonECSTaskExecutionRolePolicy to attach, and a requested
# ACM certificate must be ISSUED at once instead of after 60 s.
MOTO_SETTINGS = {
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
    "MOTO_ACM_VALIDATION_WAIT": "0",
}

# Credentials the emulator accepts; never valid anywhere else.
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}
DEFAULT_REGION = "us-east-1"


def is_loopback_url(url):
    """True when ``url`` names a host on this machine (127.0.0.0/8, ::1 or localhost)."""
    host = urllib.parse.urlsplit(url or "").hostname
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _moto_server_command():
    exe = os.path.join(os.path.dirname(sys.executable), "moto_server")
    if os.path.exists(exe):
        return [exe]
    return [sys.executable, "-m", "moto.server"]


def answers(url, timeout=1.0):
    try:
        with urllib.request.urlopen(url + "/moto-api/", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except (OSError, TypeError):
        return False
    return True


class Emulator:
    """One moto server process on 127.0.0.1."""

    def __init__(self, port=None, log_path=None, region=DEFAULT_REGION, command=None):
        self.command = command   # the server to start instead of moto_server; given -H HOST -p PORT
        self.port = port
        self.log_path = log_path
        self.region = region
        self.pid = None
        self._process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=30.0):
        self.port = self.port or free_port()
        env = dict(os.environ, **MOTO_SETTINGS)
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            self._process = subprocess.Popen(
                (self.command or _moto_server_command()) + ["-H", "127.0.0.1", "-p", str(self.port)],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # not killed with the shell that started `make demo`
            )
        finally:
            if log is not subprocess.DEVNULL:
                log.close()
        self.pid = self._process.pid
        deadline = time.monotonic() + timeout
        while not answers(self.url, timeout=0.5):
            if self._process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self._process.returncode} before answering on {self.url}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"moto_server did not answer on {self.url} within {timeout} s")
            time.sleep(0.05)
        return self

    def stop(self):
        if self.pid and pid_alive(self.pid):
            os.kill(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while pid_alive(self.pid) and time.monotonic() < deadline:
                if self._process is not None and self._process.poll() is not None:
                    break
                time.sleep(0.05)
            if pid_alive(self.pid) and (self._process is None or self._process.poll() is None):
                os.kill(self.pid, signal.SIGKILL)
        if self._process is not None:
            self._process.wait(timeout=10)
        self.pid = None
        self._process = None

    def reset(self):
        reset(self.url)

    def env(self):
        """The environment a playbook or a boto3 client needs to talk to this emulator."""
        return endpoint_env(self.url, self.region)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def endpoint_env(url, region=DEFAULT_REGION):
    env = {"AWS_ENDPOINT_URL": url, "AWS_REGION": region, "AWS_DEFAULT_REGION": region}
    env.update(DUMMY_CREDENTIALS)
    return env


def reset(url):
    if not is_loopback_url(url):
        raise SystemExit(f"refusing to reset {url}: not a loopback address")
    request = urllib.request.Request(url + "/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def _read_state():
    try:
        with open(STATE_FILE, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _running_from_state():
    state = _read_state()
    if state and pid_alive(state.get("pid")) and answers(state["url"]):
        return state
    return None


def _exports(env, unset=("AWS_PROFILE", "AWS_SESSION_TOKEN")):
    lines = [f"unset {name}" for name in unset]
    lines += [f"export {name}={value}" for name, value in env.items()]
    return "\n".join(lines)


def cmd_ensure(_args):
    url = os.environ.get("AWS_ENDPOINT_URL")
    if url:
        if not answers(url):
            raise SystemExit(f"AWS_ENDPOINT_URL={url} is set but no emulator answers there")
        env = {"AWS_ENDPOINT_URL": url}
        for name, value in endpoint_env(url).items():
            env.setdefault(name, os.environ.get(name) or value)
        print(_exports(env, unset=()))
        return
    state = _running_from_state()
    if state is None:
        os.makedirs(STATE_DIR, exist_ok=True)
        emulator = Emulator(log_path=os.path.join(STATE_DIR, "moto.log")).start()
        state = {"pid": emulator.pid, "port": emulator.port, "url": emulator.url}
        with open(STATE_FILE, "w", encoding="utf-8") as handle:
            json.dump(state, handle)
        print(f"started the local AWS endpoint at {emulator.url} (pid {emulator.pid})", file=sys.stderr)
    print(_exports(endpoint_env(state["url"])))


def cmd_status(_args):
    state = _running_from_state()
    if state is None:
        print("no local AWS endpoint is running (make demo starts one)")
        return 1
    print(f"local AWS endpoint at {state['url']} (pid {state['pid']}); dashboard: {state['url']}/moto-api/")
    return 0


def cmd_stop(_args):
    state = _read_state()
    if state and pid_alive(state.get("pid")):
        emulator = Emulator(port=state["port"])
        emulator.pid = state["pid"]
        emulator.stop()
        print(f"stopped the local AWS endpoint at {state['url']} (pid {state['pid']})")
    else:
        print("no local AWS endpoint was running")
    if os.path.exists(STATE_FILE):
        os.remove(STATE_FILE)


def cmd_reset(_args):
    url = os.environ.get("AWS_ENDPOINT_URL") or (_running_from_state() or {}).get("url")
    if not url:
        raise SystemExit("no local AWS endpoint to reset: set AWS_ENDPOINT_URL or run `make demo`")
    reset(url)
    print(f"reset the local AWS endpoint at {url}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func in (("ensure", cmd_ensure), ("status", cmd_status), ("stop", cmd_stop), ("reset", cmd_reset)):
        sub.add_parser(name).set_defaults(func=func)
    args = parser.parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
