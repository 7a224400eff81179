"""scripts/demo (what `make demo` runs) end to end: migrate, load, serve with uvicorn and a worker, Ctrl-C."""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds the processes through /proc"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes_using(var_dir: Path) -> list[int]:
    """Processes started with this MEHVAR_VAR_DIR (the web server, the worker), from /proc."""
    marker = f"MEHVAR_VAR_DIR={var_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def test_make_demo_serves_the_demo_and_stops_cleanly_on_ctrl_c(tmp_path):
    port, var_dir = free_port(), tmp_path / "var"
    env = {**os.environ, "MEHVAR_VAR_DIR": str(var_dir), "DEBUG": "1"}  # the script must switch DEBUG off
    env.pop("DATABASE_URL", None)
    demo = subprocess.Popen(
        ["scripts/demo", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines = []
    try:
        deadline = time.monotonic() + 240  # the first load also builds the feedback model
        for line in demo.stdout:
            lines.append(line)
            if "Press Ctrl-C" in line or time.monotonic() > deadline:
                break
        output = "".join(lines)
        assert "Press Ctrl-C" in output, output
        assert "mhv_" in output  # the owner's token, printed on the first load
        for role in ("owner", "admin", "supervisor", "agent1", "agent2", "agent3", "marketer", "analyst"):
            assert f"{role}@demo.mehvar.ir" in output
        assert "mehvar-demo" in output

        status, _type, _body = get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200
        status, content_type, body = get(f"http://127.0.0.1:{port}/static/admin/css/base.css")
        assert status == 200 and content_type.startswith("text/css") and len(body) > 1000
        with pytest.raises(urllib.error.HTTPError) as missing:  # DEBUG is off: no technical 404 page
            get(f"http://127.0.0.1:{port}/no-such-page/")
        assert b"URLconf" not in missing.value.read()
        assert len(processes_using(var_dir)) >= 3  # the script, uvicorn and the worker

        demo.send_signal(signal.SIGINT)
        rest = demo.communicate(timeout=60)[0]
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()

    assert demo.returncode == 130
    assert "stopped" in rest
    assert "Worker" in rest and "stopped" in rest
    assert processes_using(var_dir) == []
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_make_demo_keeps_the_data_on_a_second_run(tmp_path):
    var_dir = tmp_path / "var"
    env = {**os.environ, "MEHVAR_VAR_DIR": str(var_dir)}
    env.pop("DATABASE_URL", None)
    for command in (["migrate", "-v0"], ["demo", "load", "--small", "--if-empty"]):
        subprocess.run([str(REPO / ".venv/bin/mehvar"), *command], cwd=REPO, env=env, check=True, timeout=240)
    again = subprocess.run(
        [str(REPO / ".venv/bin/mehvar"), "demo", "load", "--small", "--if-empty"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0 and "nothing loaded" in again.stdout
