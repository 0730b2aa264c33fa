import pytest

import emulator


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://127.0.0.1:5000", True),
        ("http://127.1.2.3", True),
        ("http://localhost:1", True),
        ("http://[::1]:80", True),
        ("https://ec2.amazonaws.com", False),
        ("http://10.0.0.1", False),
        ("http://192.168.1.1", False),
        ("", False),
        (None, False),
    ],
)
def test_is_loopback_url_accepts_only_hosts_on_this_machine(url, expected):
    assert emulator.is_loopback_url(url) is expected


def test_free_port_returns_a_valid_tcp_port():
    port = emulator.free_port()
    assert isinstance(port, int) and 1 <= port <= 65535


def test_endpoint_env_points_at_the_url_with_dummy_credentials_and_region():
    env = emulator.endpoint_env("http://127.0.0.1:5123", "eu-west-1")
    assert env == {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5123",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }


def test_reset_refuses_a_non_loopback_url_before_any_request():
    with pytest.raises(SystemExit, match="not a loopback address"):
        emulator.reset("http://10.0.0.1:5000")


def test_emulator_starts_on_loopback_answers_resets_and_stops_its_own_process():
    emu = emulator.Emulator()
    emu.start(timeout=30)
    pid = emu.pid
    try:
        assert emulator.is_loopback_url(emu.url)
        assert emulator.answers(emu.url) is True
        assert emulator.pid_alive(pid) is True
        emu.reset()
    finally:
        emu.stop()
    assert emu.pid is None
    assert emulator.pid_alive(pid) is False
    assert emulator.answers(emu.url, timeout=0.5) is False
