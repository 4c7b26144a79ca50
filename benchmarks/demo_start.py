"""Time `medspa demo` from launch until /healthz answers 200, twice: cold (empty var/) and warm."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_once(var: Path, port: int, timeout: float) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["MEDSPA_VAR_DIR"] = str(var)
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/medspa"), "demo", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.monotonic() - started < timeout:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return time.monotonic() - started
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise SystemExit(f"demo did not become healthy within {timeout}s")
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="medspa-demo-bench-"))
    try:
        cold = start_once(var, args.port, args.timeout)
        warm = start_once(var, args.port, args.timeout)
    finally:
        shutil.rmtree(var, ignore_errors=True)
    print(f"demo cold start (empty var/, migrate + seed): {cold:.1f} s")
    print(f"demo warm start (second run):                {warm:.1f} s   budget 20 s")
    sys.exit(0 if warm <= 20 else 1)


if __name__ == "__main__":
    main()
