"""Command line: python -m harness config check FILE | config schema | campaign."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.config import json_schema, load_lab_config
from harness.errors import ConfigError
from harness.faultplan import parse_shard
from harness.ordering import case_order


def _config_check(args: argparse.Namespace) -> int:
    status = 0
    for path in args.files:
        try:
            config = load_lab_config(path)
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            status = 1
            continue
        print(f"{path}: ok ({config.dut.kind} DUT {config.declaration.model}, lab {config.lab.name})")
    return status


def _config_schema(args: argparse.Namespace) -> int:
    text = json_schema()
    if args.output:
        Path(args.output).write_text(text + "\n")
    else:
        print(text)
    return 0


def _campaign(args: argparse.Namespace) -> int:
    from harness.campaign import run_campaign

    resume = None
    if args.resume is not None:
        resume = Path(args.resume) if args.resume != "latest" else Path(args.reports) / "latest"
    return run_campaign(Path(args.lab_config), Path(args.reports), args.pytest_args, resume, args.signing_key, Path(args.suites), not args.no_html,
                        args.progress)


def _fault_matrix(args: argparse.Namespace) -> int:
    from harness.faultmatrix import main as run_fault_matrix

    return run_fault_matrix(Path(args.reports), args.plan, args.parallel, args.profiles, args.with_slow, args.case_order,
                            args.suites, args.shard)


def _fault_matrix_merge(args: argparse.Namespace) -> int:
    from harness.errors import HarnessError
    from harness.faultmerge import merge_shards

    try:
        return merge_shards(Path(args.reports), [Path(folder) for folder in args.shards])
    except HarnessError as exc:
        print(exc, file=sys.stderr)
        return 2


def _evidence_verify(args: argparse.Namespace) -> int:
    from harness.evidence.signing import verify_bundle

    root = Path(args.path)
    if not (root / "manifest.json").exists():
        print(f"{root}: no manifest.json: not an evidence bundle", file=sys.stderr)
        return 2
    result = verify_bundle(root, args.fingerprint)
    for line in result.lines():
        print(line)
    trust = "trusted key" if args.fingerprint else "key not pinned: pass --fingerprint to require the lab key"
    state = "OK" if result.ok else "TAMPERED"
    print(f"{root}: {state}; signed by {result.fingerprint or '?'} ({result.key_kind or '?'} key; {trust})")
    return 0 if result.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness", description="IoT terminal conformance harness")
    commands = parser.add_subparsers(dest="command", required=True)

    config = commands.add_parser("config", help="lab config tools").add_subparsers(dest="action", required=True)
    check = config.add_parser("check", help="validate lab config files")
    check.add_argument("files", nargs="+")
    check.set_defaults(func=_config_check)
    schema = config.add_parser("schema", help="print the lab config JSON Schema")
    schema.add_argument("-o", "--output")
    schema.set_defaults(func=_config_schema)

    campaign = commands.add_parser("campaign", help="run the conformance suites and build the report")
    campaign.add_argument("--lab-config", required=True)
    campaign.add_argument("--reports", default="reports")
    campaign.add_argument(
        "--resume", nargs="?", const="latest", default=None, metavar="CAMPAIGN_DIR",
        help="finish an interrupted campaign (default: reports/latest) without re-running finished tests",
    )
    campaign.add_argument("--suites", default="testsuites", help="the conformance suites folder, with its requirements.yaml")
    campaign.add_argument("--signing-key", help="Ed25519 PEM private key (default: $HARNESS_SIGNING_KEY, else throw-away)")
    campaign.add_argument(
        "--no-html", action="store_true",
        help="evidence bundle without the allure HTML (make it later with 'allure generate allure-results')",
    )
    campaign.add_argument(
        "--progress", choices=("auto", "on", "off"), default="auto",
        help="a line per case as it starts and ends, with the time left (auto: when the output is a terminal)",
    )
    campaign.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    campaign.set_defaults(func=_campaign)

    matrix = commands.add_parser("fault-matrix", help="run the suites under the reference DUT's fault profiles")
    matrix.add_argument("--reports", default="reports/fault-matrix")
    matrix.add_argument(
        "--plan", choices=("ci", "full", "isolated"), default="full",
        help="ci: every case on the conformant DUT, and under its narrowest profile with its module's cases as controls;"
        " full: every case under every profile; isolated: every case alone on the conformant DUT, one campaign each",
    )
    matrix.add_argument("--parallel", type=int, default=6, help="campaigns at once (one QEMU each; boots are staggered)")
    matrix.add_argument("--profile", action="append", dest="profiles", help="only these profiles (repeatable)")
    matrix.add_argument("--suite", action="append", dest="suites", help="only the cases of these suites, e.g. ipv6 (repeatable)")
    matrix.add_argument("--with-slow", action="store_true", help="run the slow cases (reassembly timeout, attach retries) under every profile")
    matrix.add_argument(
        "--case-order", default="collection", type=case_order,
        help="order of each fault profile's cases (collection, reversed, shuffled:SEED); the conformant run keeps collection order",
    )
    matrix.add_argument(
        "--shard", type=parse_shard, default=None, metavar="I/N",
        help="run only share I of N of the plan (every machine of N computes the same shares); "
        "put the shards together with fault-matrix-merge, which gives the verdict",
    )
    matrix.set_defaults(func=_fault_matrix)

    merge = commands.add_parser("fault-matrix-merge", help="one fault matrix from the shards of a plan")
    merge.add_argument("--reports", default="reports/fault-matrix", help="where the merged matrix goes")
    merge.add_argument("shards", nargs="+", help="each shard's --reports folder")
    merge.set_defaults(func=_fault_matrix_merge)

    evidence = commands.add_parser("evidence", help="evidence bundle tools").add_subparsers(dest="action", required=True)
    verify = evidence.add_parser("verify", help="check a bundle's signature and every file in its manifest")
    verify.add_argument("path")
    verify.add_argument("--fingerprint", help="require this signing key (SHA256:...)")
    verify.set_defaults(func=_evidence_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
