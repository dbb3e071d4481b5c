"""The entry points: app.py's settings and selectors, `python -m config`, and the deprecation guard behind app.py's
quiet jsii."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import app
from tests.support.project import CDK_CONTEXT, CONFIG_FIXTURES, ROOT


def test_run_directly_the_app_reads_cdk_json_and_writes_to_cdk_out() -> None:
    context, outdir = app.app_settings({})
    cdk_json = json.loads((ROOT / "cdk.json").read_text())
    assert context == cdk_json["context"]
    assert outdir == str(ROOT / "cdk.out") and cdk_json["output"] == "cdk.out"


def test_under_the_cdk_cli_the_app_takes_context_and_output_from_the_environment() -> None:
    assert app.app_settings({"CDK_CONTEXT_JSON": "{}", "CDK_OUTDIR": "/tmp/elsewhere"}) == (None, None)


def _python(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, env=env, check=False, timeout=600
    )


def _synth_with_context(outdir: Path, **context: str) -> subprocess.CompletedProcess[str]:
    """`python app.py` as the CDK CLI runs it: cdk.json's context plus `-c` options in CDK_CONTEXT_JSON."""
    env = {
        **os.environ,
        "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ['PATH']}",  # the pinned Node, as make has it
        "CDK_CONTEXT_JSON": json.dumps({**CDK_CONTEXT, **context}),
        "CDK_OUTDIR": str(outdir),
    }
    return _python("app.py", env=env)


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"partition": "aws-gov"}, "-c partition='aws-gov' (did you mean aws-us-gov?): expected aws or aws-us-gov"),
        ({"partition": "aws-us-gov", "accounts": "web-dev"}, "web-dev selected, but not in the selected partition"),
    ],
)
def test_a_bad_partition_selector_is_one_message_and_exit_1(
    tmp_path: Path, context: dict[str, str], message: str
) -> None:
    done = _synth_with_context(tmp_path / "cdk.out", **context)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]


def test_the_selectors_reach_the_plan_and_only_the_selection_is_synthesized(tmp_path: Path) -> None:
    """`-c partition` and `-c accounts` reach the plan (which keeps only the partition's stacks: tests/test_plan.py):
    an account of the other partition is refused, and the selected account's stacks alone synthesize, with their
    dependencies and every synth-time check."""
    done = _synth_with_context(tmp_path / "cdk.out", partition="aws", accounts="web-dev,gov-ci")
    assert done.returncode == 1 and "gov-ci selected, but not in the selected partition aws" in done.stderr
    done = _synth_with_context(tmp_path / "cdk.out", partition="aws-us-gov", accounts="gov-management")
    assert done.returncode == 0, done.stderr[-3000:]
    artifacts = json.loads((tmp_path / "cdk.out" / "manifest.json").read_text())["artifacts"]
    stacks = {name for name, artifact in artifacts.items() if artifact["type"] == "aws:cloudformation:stack"}
    assert stacks == {
        "Access-gov-management",
        "Baseline-gov-management-us-gov-east-1",
        "Baseline-gov-management-us-gov-west-1",
        "Elevation-gov-management",
        "Guardrails-gov-management",
        "IdentityCenter-gov-management",
        "Organization-gov-management",
    }
    assert sorted(p.name for p in (tmp_path / "cdk.out").glob("*.template.json")) == sorted(
        f"{name}.template.json" for name in stacks
    )
    assert "Baseline-gov-management-us-gov-west-1" in artifacts["Access-gov-management"]["dependencies"]
    assert "aws-us-gov: 7 stacks in 1 accounts" in done.stderr and "Checks passed:" in done.stderr


def test_check_config_validates_alone_and_reports_every_problem() -> None:
    ok = _python("-m", "config", "config/org.yaml")
    assert ok.returncode == 0 and "config/org.yaml: valid" in ok.stdout, ok.stderr
    bad = _python("-m", "config", str(CONFIG_FIXTURES / "many_problems.yaml"))
    assert bad.returncode == 1
    assert "8 problems in the organization config" in bad.stderr and "Traceback" not in bad.stderr
    missing = _python("-m", "config", "no/such/org.yaml")
    assert missing.returncode == 1 and "cannot read the config file" in missing.stderr


# Builds every stack of the example org, without cdk-nag, with jsii set to fail on any deprecated API, then checks
# the guard itself on an API it must refuse. app.py quiets jsii's deprecation warnings because cdk-nag's
# AwsSolutions-EVB1 rule reads CfnEventBusPolicy#principal; this keeps our own code from hiding behind that. Our code
# runs only while the stacks are built (no Python aspect, lazy value or synthesis callback outside the checks), so
# building is enough: synthesis runs aws-cdk-lib's own code only.
BUILD_WITHOUT_NAG = textwrap.dedent(
    """
    import json
    import aws_cdk as cdk
    from aws_cdk import aws_events as events
    from config.loader import load_config
    from stacks.assembly import assemble
    assemble(cdk.App(context=json.load(open("cdk.json"))["context"]), load_config("config/org.yaml"), checks=False)
    print("built every stack")
    policy = events.CfnEventBusPolicy(cdk.Stack(cdk.App()), "Policy", statement_id="x", statement={})
    policy.principal  # deprecated in aws-cdk-lib: must fail
    print("the guard let a deprecated API through")
    """
)


def test_our_code_uses_no_deprecated_cdk_api() -> None:
    env = {**os.environ, "JSII_DEPRECATED": "fail", "PYTHONPATH": str(ROOT)}
    done = _python("-c", BUILD_WITHOUT_NAG, env=env)
    assert "built every stack" in done.stdout, done.stderr[-3000:]
    assert done.returncode != 0 and "principal is deprecated" in done.stderr, done.stdout + done.stderr[-3000:]
    assert "the guard let a deprecated API through" not in done.stdout


def test_the_app_reads_the_context_as_the_cdk_does(tmp_path: Path) -> None:
    """Constructor context, then CDK_CONTEXT_JSON, then the CLI's overflow file, each overriding the one before (as
    aws-cdk-lib's App.loadContext); app.py refuses to build if the CDK's reading still differs."""
    overflow = tmp_path / "context.json"
    overflow.write_text(json.dumps({"partition": "aws-us-gov"}))
    environ = {"CDK_CONTEXT_JSON": json.dumps({"accounts": "web-dev", "partition": "aws"}),
               "CONTEXT_OVERFLOW_LOCATION_ENV": str(overflow)}  # fmt: skip
    context = app.app_context({"config": "config/org.yaml", "accounts": "ci"}, environ)
    assert context == {"config": "config/org.yaml", "accounts": "web-dev", "partition": "aws-us-gov"}
    assert app.app_context(None, {}) == {}
