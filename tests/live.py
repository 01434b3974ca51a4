"""A real app server in other processes, for tests that need one (browsers, concurrency)."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask_command(database_url: str, *args: str) -> str:
    """Run `flask --app wedding ARGS` against a database; its standard output."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wedding", *args],
        env=server_env(database_url),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def server_env(database_url: str, **extra: str) -> dict:
    return {
        **os.environ,
        "FLASK_SECRET_KEY": "live-test-secret",
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        **extra,
    }


def start_worker(env: dict) -> subprocess.Popen:
    """`flask --app wedding worker` (background jobs) with this environment."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wedding", "worker", "--threads", "2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def serve(
    database_url: str,
    workers: int = 2,
    timeout: float = 30,
    job_queue: str | None = None,
    port: int | None = None,
):
    """gunicorn with several worker processes on a free port; yields the base URL. With
    ``job_queue`` (a JOB_QUEUE_URL) a job worker runs beside it on that broker."""
    port = port or free_port()
    extra = {"FLASK_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    if job_queue:
        extra["FLASK_JOB_QUEUE_URL"] = job_queue
    env = server_env(database_url, **extra)
    worker = start_worker(env) if job_queue else None
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "128",
            "wedding:create_app()",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode()[-2000:])
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)
        process.stderr.close()
        if worker is not None:
            stop(worker)
