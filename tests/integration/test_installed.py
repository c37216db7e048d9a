"""The harness works installed, outside a checkout: a `pip install` of the
package plus `--suites DIR` runs a campaign from any folder, with the
suites' own catalogue and the packaged report settings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness.config import load_lab_config, write_lab_config
from harness.evidence.records import read_records

REPO = Path(__file__).resolve().parents[2]
PIP_TIMEOUT_S = 600


def test_an_installed_harness_runs_a_suites_folder_from_anywhere(tmp_path, make_lab_config):
    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(REPO)],
        capture_output=True, text=True, timeout=PIP_TIMEOUT_S,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    assert (site / "harness" / "evidence" / "allurerc.json").is_file(), "package data is installed"
    lab = tmp_path / "lab"  # a lab's own folder: its suites, no checkout around it
    shutil.copytree(REPO / "testsuites", lab / "suites" / "testsuites", ignore=shutil.ignore_patterns("__pycache__"))
    env = {
        **os.environ,
        "PYTHONPATH": str(site),  # ahead of the checkout's editable install
        "HARNESS_ALLURE_CLI": str(REPO / "node_modules" / ".bin" / "allure"),
    }
    where = subprocess.run(
        [sys.executable, "-c", "import harness, harness.plugin; print(harness.__file__)"],
        cwd=lab, env=env, capture_output=True, text=True,
    )
    assert where.stdout.strip() == str(site / "harness" / "__init__.py"), where.stdout + where.stderr
    # The emulated module and network are fixtures of a checkout; an installed
    # harness drives real benches, so this lab has no cellular side.
    lab_config = write_lab_config(load_lab_config(make_lab_config("installed")).model_copy(update={"cellular": None}),
                                  tmp_path / "installed-ipv6.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "harness", "campaign", "--lab-config", str(lab_config),
         "--suites", "suites/testsuites", "--reports", "reports", "--", "-k", "test_router_solicitation_after_link_up"],
        cwd=lab, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    records = read_records(next((lab / "reports").glob("2*/evidence/tests")))
    assert [r.status for r in records.values()] == ["passed"]
    bundle = (lab / "reports" / "latest").resolve()
    assert (bundle / "manifest.sig").is_file() and (bundle / "html" / "index.html").is_file()
    assert '"RFC4861-6.3.7"' in (bundle / "traceability.json").read_text(), "the suites' catalogue made the matrix"
