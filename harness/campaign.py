"""A campaign: the conformance suites against one lab config, then the
evidence bundle - allure results and HTML, traceability matrix, certification
summary, SHA-256 manifest and its Ed25519 signature - and a one-line verdict.

A campaign killed at any point keeps every finished test's evidence;
`--resume` runs only what has no verdict yet and rebuilds the bundle."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import harness
from harness.config import LabConfig, load_lab_config
from harness.config.loader import redacted
from harness.errors import ConfigError, HarnessError
from harness.evidence.catalogue import CATALOGUE_NAME, load_catalogue
from harness.evidence.environment import campaign_environment, image_manifest
from harness.evidence.junit import JUNIT_NAME, write_junit
from harness.evidence.pages import CampaignFacts, verdict_counts, write_pages
from harness.evidence.records import VERDICTS, allure_results_by_test, allure_test_id, read_records
from harness.evidence.schemes import SCHEMES_FOLDER, load_schemes, scheme_verdicts
from harness.evidence.signing import SigningKey, load_signing_key, sha256_file, sign_manifest, write_manifest
from harness.evidence.traceability import build_matrix, matrix_json
from harness.process import die_with_parent

DEFAULT_SUITES = Path("testsuites")
ALLURE_CLI_ENV = "HARNESS_ALLURE_CLI"
ALLURE_TIMEOUT_S = 300
# The report's tree reads by compliance point, standard and clause (labels the plugin sets).
ALLURE_CONFIG = Path(__file__).resolve().parent / "evidence" / "allurerc.json"
EXIT_PASSED, EXIT_FAILED, EXIT_BROKEN = 0, 1, 2


def campaign_id(lab_name: str) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{lab_name}"


def prepare_new(config: LabConfig, lab_config: Path, reports: Path) -> Path:
    root = (reports / campaign_id(config.lab.name)).resolve()
    evidence = root / "evidence"
    evidence.mkdir(parents=True)
    # Inline USIM secrets never reach the evidence.
    (evidence / "lab-config.yaml").write_text(redacted(lab_config.read_text(encoding="utf-8")), encoding="utf-8")
    image = image_manifest(config)
    if image:
        (evidence / "image.json").write_text(json.dumps(image, indent=2) + "\n")
    (evidence / "environment.json").write_text(json.dumps(campaign_environment(config), indent=2) + "\n")
    return root


def prepare_resume(root: Path, lab_config: Path) -> Path:
    root = root.resolve()
    snapshot = root / "evidence" / "lab-config.yaml"
    if not snapshot.exists():
        raise HarnessError(f"{root} is not a campaign folder (no evidence/lab-config.yaml)")
    if snapshot.read_text(encoding="utf-8") != redacted(lab_config.read_text(encoding="utf-8")):
        raise HarnessError(f"cannot resume {root.name} with a different lab config than it started with")
    # What the last run left half-done is rebuilt from scratch.
    for derived in ("html", "summary.html", "traceability.html", "traceability.json", JUNIT_NAME, "manifest.json",
                    "manifest.sig"):
        path = root / derived
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    return root


def run_suites(suites: Path, root: Path, lab_config: Path, instances: int, resume: bool, pytest_args: list[str],
               progress: str = "auto") -> int:
    """pytest on the suites folder, with the harness plugin and the suites'
    own catalogue; works from a checkout and from an installed harness."""
    command = [
        sys.executable, "-m", "pytest", str(suites), "-p", "harness.plugin", "-p", "no:cacheprovider", "-p", "no:labgrid",
        "--rootdir", str(suites.parent), "--catalogue", str(suites / CATALOGUE_NAME),
        "--lab-config", str(lab_config.resolve()), "--evidence-dir", str(root / "evidence"),
        "--alluredir", str(root / "allure-results"), "-q", "--progress", progress, *pytest_args,
    ]
    # The time-left estimate comes from the last campaign in the same reports folder.
    previous = root.parent / "latest" / "evidence" / "tests"
    if previous.is_dir():
        command += ["--progress-history", str(previous)]
    if resume:
        command.append("--skip-done")
    if instances > 1:  # one worker per DUT instance; a module's shared state stays on one
        command += ["-n", str(instances), "--dist", "loadfile"]
    return subprocess.run(command, preexec_fn=die_with_parent).returncode


def drop_duplicate_results(results_dir: Path) -> None:
    """One allure result per test: a test re-run after an interruption keeps
    its newest result only; unreadable (half-written) files go."""
    by_test = allure_results_by_test(results_dir)
    keep = {max(paths, key=_stop_time) for paths in by_test.values()}
    for path in results_dir.glob("*-result.json"):
        if path not in keep:
            path.unlink()


def _stop_time(path: Path) -> int:
    return json.loads(path.read_text())["stop"]


def allure_cli() -> str:
    """The allure 3 command: $HARNESS_ALLURE_CLI, else node_modules/.bin/allure
    here (what `npm ci` installs), else `allure` on the PATH."""
    for candidate in (os.environ.get(ALLURE_CLI_ENV), "node_modules/.bin/allure", shutil.which("allure")):
        if candidate and Path(candidate).is_file():
            return str(Path(candidate).resolve())
    raise HarnessError(f"allure 3 not found: set {ALLURE_CLI_ENV}, or run 'npm ci' here ('make setup' in a checkout)")


def generate_html(results_dir: Path, html_dir: Path, name: str) -> None:
    result = subprocess.run(
        [allure_cli(), "generate", str(results_dir), "--output", str(html_dir), "--name", name, "--config", str(ALLURE_CONFIG)],
        timeout=ALLURE_TIMEOUT_S, capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise HarnessError(f"allure generate failed ({result.returncode}):\n{result.stderr[-2000:]}")


def allure_test_links(html_dir: Path) -> dict[str, str]:
    """node id -> link to that test in the generated report."""
    links = {}
    for path in (html_dir / "data" / "test-results").glob("*.json"):
        data = json.loads(path.read_text())
        links[allure_test_id(data)] = f"html/index.html#/{data['id']}"
    return links


def dut_identity(root: Path, config: LabConfig) -> dict[str, str]:
    env = json.loads((root / "evidence" / "environment.json").read_text())
    identity = {
        "Manufacturer": config.declaration.manufacturer,
        "Model": config.declaration.model,
        "MAC address": config.dut_mac,
        "Kind": config.dut.kind,
    }
    if "image.sha256" in env:
        identity["Image SHA-256"] = env["image.sha256"]
        identity["Image kernel"] = env["image.kernel"]
    for info in sorted((root / "evidence").glob("run-*/device-info.json")):
        for key, value in json.loads(info.read_text()).items():
            identity[f"Device reports {key}"] = value
    return identity


def build_bundle(root: Path, config: LabConfig, key: SigningKey, suites: Path, html: bool = True) -> Counter[str]:
    """Without html, the pages link to the raw allure results (`allure generate`
    makes the report from them later): the fault matrix reads only the records."""
    results_dir, html_dir = root / "allure-results", root / "html"
    drop_duplicate_results(results_dir)
    if html:
        generate_html(results_dir, html_dir, f"{config.declaration.model} - {config.lab.name}")
    records = read_records(root / "evidence" / "tests")
    catalogue = load_catalogue(suites / CATALOGUE_NAME)
    points = build_matrix(catalogue, records)
    schemes = scheme_verdicts(load_schemes(suites / SCHEMES_FOLDER, catalogue), points)
    (root / "traceability.json").write_text(
        json.dumps({"campaign": root.name, **matrix_json(points), "schemes": [asdict(s) for s in schemes]}, indent=2) + "\n"
    )
    write_junit(root, records)
    links = allure_test_links(html_dir) if html else {}
    facts = CampaignFacts(
        campaign_id=root.name,
        date=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        lab=config.lab.name,
        identity=dut_identity(root, config),
        fingerprint=key.fingerprint,
        key_kind=key.kind,
        report_link="html/index.html" if html else "allure-results/",
        test_links={nodeid: links[nodeid] for nodeid in records if nodeid in links},
    )
    write_pages(root, points, facts, schemes)
    metadata = {
        "id": root.name,
        "lab": config.lab.name,
        "harness_version": harness.__version__,
        "lab_config_sha256": sha256_file(root / "evidence" / "lab-config.yaml"),
        "image_sha256": image_manifest(config).get("image_sha256", ""),
        "verdicts": dict(verdict_counts(points)),
    }
    write_manifest(root, metadata, key)
    sign_manifest(root, key)
    return Counter(r.status for r in records.values())


def point_latest(reports: Path, target: Path) -> None:
    latest = reports / "latest"
    temporary = reports / ".latest.tmp"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(target.name)
    os.replace(temporary, latest)  # atomic: 'latest' is never missing


def run_campaign(
    lab_config: Path, reports: Path, pytest_args: list[str], resume: Path | None = None, signing_key: str | None = None,
    suites: Path = DEFAULT_SUITES, html: bool = True, progress: str = "auto",
) -> int:
    try:
        config = load_lab_config(lab_config)
        key = load_signing_key(signing_key)
        root = prepare_resume(resume, lab_config) if resume else prepare_new(config, lab_config, reports)
    except (ConfigError, HarnessError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_BROKEN
    started = time.monotonic()
    suites = suites.resolve()
    pytest_status = run_suites(suites, root, lab_config, config.instances, resume is not None, pytest_args, progress)
    wall = time.monotonic() - started
    try:
        counts = build_bundle(root, config, key, suites, html)
    except HarnessError as exc:
        print(f"campaign {root.name}: bundle not built: {exc}", file=sys.stderr)
        return EXIT_BROKEN
    point_latest(root.parent, root)

    summary = ", ".join(f"{counts.get(status, 0)} {status}" for status in VERDICTS)
    print(f"campaign {root.name}: {sum(counts.values())} results: {summary} in {wall:.1f} s")
    print(f"summary: {root / 'summary.html'}")
    if html:
        print(f"report: {root / 'html' / 'index.html'}")
    print(f"evidence bundle: {root} (signed by {key.fingerprint}, {key.kind} key)")
    if counts.get("broken") or (pytest_status not in (0, 1, 5) and not counts):
        return EXIT_BROKEN
    return EXIT_FAILED if counts.get("failed") else EXIT_PASSED
