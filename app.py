#!/usr/bin/env python3
"""Entry point of the CDK app: `npx cdk synth -c config=config/org.yaml [-c accounts=name,name]`.

Reads the organization config, builds every stack (or those of the named accounts), runs the checks that
are part of synthesis and prints a short summary. Bad config or failed checks exit 1 without a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import aws_cdk as cdk

from config.loader import load_config
from config.problems import ConfigError
from stacks.checks import CHECK_NAMES
from stacks.org_app import UnknownAccounts, build_org, summary

ROOT = Path(__file__).resolve().parent
DEFAULT_CONFIG = "config/org.yaml"


def main() -> int:
    # Under the CDK CLI the context (feature flags from cdk.json, -c options) arrives in the environment;
    # when run directly (`python app.py`), read cdk.json so the output is the same.
    context = None if "CDK_CONTEXT_JSON" in os.environ else json.loads((ROOT / "cdk.json").read_text())["context"]
    app = cdk.App(context=context, analytics_reporting=False)
    config_path = app.node.try_get_context("config") or DEFAULT_CONFIG
    accounts = app.node.try_get_context("accounts")
    try:
        config = load_config(config_path)
        built = build_org(app, config, accounts=accounts.split(",") if accounts else None)
    except (ConfigError, UnknownAccounts) as err:
        print(err, file=sys.stderr)
        return 1
    try:
        app.synth()
    except RuntimeError as err:
        if "ValidationFailed" not in str(err):
            raise
        print(
            f"\nsynth failed: the findings above must be fixed or acknowledged with a specific reason "
            f"(report: {app.outdir}/validation-report.json)",
            file=sys.stderr,
        )
        return 1
    print(
        f"Synthesized {len(built)} stacks from {config_path} into {app.outdir}:\n{summary(built)}\n"
        f"Checks passed: {', '.join(CHECK_NAMES)}.",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
