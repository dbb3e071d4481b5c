#!/usr/bin/env python3
"""Entry point of the CDK app: `npx cdk synth -c config=config/org.yaml [-c accounts=name,name] [-c partition=aws]`.

`-c representatives=1` (for `make verify` only, never to deploy): one baseline, Alerts or Access stack per profile,
which stands for the others of its profile (docs/decisions/0020-verify-once-per-baseline-profile.md, 0024).

The `-c` options and cdk.json context are checked first (config/context.py), then the config and the selection, all
before the CDK's JavaScript starts (about two seconds): a bad one exits 1 with a message.

The flow, one folder each: config (load and validate) -> stacks/plan.py (which stacks, where) ->
stacks/assembly.py (stacks from constructs) -> checks (at synth; `make verify` after). Bad config or failed
checks exit 1 without a traceback. Run directly (`python app.py`), it reads cdk.json and writes to cdk.out too.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# cdk-nag's AwsSolutions-EVB1 rule reads CfnEventBusPolicy#principal, which aws-cdk-lib deprecates, so every
# synth printed a deprecation warning about code that is not ours. Our own code uses no deprecated API:
# tests/test_app.py builds every stack without cdk-nag under JSII_DEPRECATED=fail. Set before jsii starts.
os.environ.setdefault("JSII_DEPRECATED", "quiet")

from config.context import ContextError, Settings, settings
from config.loader import load_config
from config.models import OrgConfig
from config.problems import ConfigError
from stacks.plan import SelectionError, plan, planned_stacksets, summary

ROOT = Path(__file__).resolve().parent
CONTEXT_KEYS = ("config", "accounts", "partition", "representatives")


def app_settings(environ: Mapping[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    """(context, output folder) for `cdk.App`: None where the CDK CLI passes them in the environment.

    Under the CLI the context (feature flags from cdk.json, -c options) and the output folder arrive in the
    environment; run directly, take both from cdk.json so the output is the same, in the same place.
    """
    cdk_json = json.loads((ROOT / "cdk.json").read_text())
    context = None if "CDK_CONTEXT_JSON" in environ else cdk_json["context"]
    outdir = None if "CDK_OUTDIR" in environ else str(ROOT / cdk_json["output"])
    return context, outdir


def app_context(context: dict[str, Any] | None, environ: Mapping[str, str]) -> dict[str, Any]:
    """The context `cdk.App(context=context)` will read, without starting it: `context`, then the CLI's (cdk.json and
    `-c` options) from CDK_CONTEXT_JSON, then from the file CONTEXT_OVERFLOW_LOCATION_ENV names, which the CLI writes
    when the context is too large for a variable (aws-cdk-lib 2.275.0, core/lib/app.js, App.loadContext)."""
    overflow = environ.get("CONTEXT_OVERFLOW_LOCATION_ENV")
    return {
        **(context or {}),
        **json.loads(environ.get("CDK_CONTEXT_JSON") or "{}"),
        **(json.loads(Path(overflow).read_text()) if overflow else {}),
    }


def main() -> int:
    context, outdir = app_settings(os.environ)
    try:
        chosen = settings(*(app_context(context, os.environ).get(key) for key in CONTEXT_KEYS))
        config = load_config(chosen.config)
        plan(config, chosen.accounts, chosen.partition)  # an unknown or other-partition account is a SelectionError
    except (ContextError, ConfigError, SelectionError) as err:
        print(err, file=sys.stderr)
        return 1
    return synthesize(chosen, config, context, outdir)


def synthesize(chosen: Settings, config: OrgConfig, context: dict[str, Any] | None, outdir: str | None) -> int:
    """Build and synthesize the checked selection; 1 if a synth-time check fails."""
    import aws_cdk as cdk  # starts the CDK's JavaScript, so only once the input is known to be good

    from checks.synth import CHECK_NAMES
    from stacks.assembly import assemble

    app = cdk.App(context=context, outdir=outdir, analytics_reporting=False)
    read = settings(*(app.node.try_get_context(key) for key in CONTEXT_KEYS))
    if read != chosen:  # app_context no longer reads the context as the CDK does: fix it, never build from a guess
        raise RuntimeError(f"app.py read the context as {chosen}, the CDK as {read}")
    built = assemble(
        app,
        config,
        accounts=chosen.accounts,
        partition=chosen.partition,
        representatives=chosen.representatives,
    )
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
    stood_for = sum(len(info.stands_for) for info in built)
    represented = (
        f" (for verification, not deployment: {sum(1 for i in built if i.stands_for)} baseline, Alerts or Access "
        f"stacks stand for {stood_for} more of their profiles)"
        if stood_for
        else ""
    )
    lines = summary(built, planned_stacksets(config))
    print(
        f"Synthesized {len(built)} stacks{represented} from {chosen.config} into {app.outdir}:\n{lines}\n"
        f"Checks passed: {', '.join(CHECK_NAMES)}.",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
