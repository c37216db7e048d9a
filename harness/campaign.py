"""A campaign: the conformance suites against one lab config, then the
allure HTML report, a manifest of the evidence and a one-line verdict."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from harness.config import load_lab_config
from harness.errors import ConfigError
from harness.evidence.environment import campaign_environment, image_manifest

REPO = Path(__file__).resolve().parent.parent
SUITES = REPO / "testsuites"
ALLURE_CLI = REPO / "node_modules" / ".bin" / "allure"
ALLURE_TIMEOUT_S = 300
STATUSES = ("passed", "failed", "broken", "skipped")


def campaign_id(lab_name: str) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{lab_name}"


def read_results(results_dir: Path) -> list[dict]:
    results = []
    for path in sorted(results_dir.glob("*-result.json")):
        results.append(json.loads(path.read_text()))
    return results


def verdict_counts(results: list[dict]) -> Counter[str]:
    return Counter(result["status"] for result in results)


def generate_html(results_dir: Path, html_dir: Path, name: str) -> None:
    if not ALLURE_CLI.exists():
        raise FileNotFoundError(f"{ALLURE_CLI} not found: run 'make setup' (npm ci) first")
    subprocess.run(
        [str(ALLURE_CLI), "generate", str(results_dir), "--output", str(html_dir), "--name", name],
        check=True, timeout=ALLURE_TIMEOUT_S, capture_output=True,
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(root: Path) -> Path:
    """SHA-256 and size of every file in the campaign folder."""
    files = {
        str(path.relative_to(root)): {"sha256": sha256_file(path), "size": path.stat().st_size}
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != "manifest.json"
    }
    manifest = root / "manifest.json"
    manifest.write_text(json.dumps({"files": files}, indent=2) + "\n")
    return manifest


def point_latest(reports: Path, target: Path) -> None:
    latest = reports / "latest"
    temporary = reports / ".latest.tmp"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(target.name)
    os.replace(temporary, latest)  # atomic: 'latest' is never missing


def run_campaign(lab_config: Path, reports: Path, pytest_args: list[str]) -> int:
    try:
        config = load_lab_config(lab_config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    root = (reports / campaign_id(config.lab.name)).resolve()
    results_dir, evidence_dir, html_dir = root / "allure-results", root / "evidence", root / "html"
    evidence_dir.mkdir(parents=True)
    shutil.copyfile(lab_config, evidence_dir / "lab-config.yaml")
    image = image_manifest(config)
    if image:
        (evidence_dir / "image.json").write_text(json.dumps(image, indent=2) + "\n")
    (evidence_dir / "environment.json").write_text(json.dumps(campaign_environment(config), indent=2) + "\n")

    started = time.monotonic()
    command = [
        sys.executable, "-m", "pytest", str(SUITES), "-p", "no:cacheprovider", "--rootdir", str(REPO),
        "--lab-config", str(lab_config.resolve()), "--evidence-dir", str(evidence_dir),
        "--alluredir", str(results_dir), "-q", *pytest_args,
    ]
    pytest_status = subprocess.run(command, cwd=REPO).returncode
    wall = time.monotonic() - started

    results = read_results(results_dir)
    generate_html(results_dir, html_dir, f"{config.declaration.model} - {config.lab.name}")
    write_manifest(root)
    point_latest(reports.resolve(), root)

    counts = verdict_counts(results)
    summary = ", ".join(f"{counts.get(status, 0)} {status}" for status in STATUSES)
    print(f"campaign {root.name}: {len(results)} results: {summary} in {wall:.1f} s")
    print(f"report: {html_dir / 'index.html'}")
    print(f"evidence: {root}")
    if counts.get("broken") or (pytest_status not in (0, 1) and not results):
        return 2
    return 1 if counts.get("failed") else 0
