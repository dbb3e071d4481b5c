"""The entry points: app.py's settings, `python -m config`, and the deprecation guard behind app.py's quiet jsii."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import app
from tests.support.project import CONFIG_FIXTURES, ROOT


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


def test_check_config_validates_alone_and_reports_every_problem() -> None:
    ok = _python("-m", "config", "config/org.yaml")
    assert ok.returncode == 0 and "config/org.yaml: valid" in ok.stdout, ok.stderr
    bad = _python("-m", "config", str(CONFIG_FIXTURES / "many_problems.yaml"))
    assert bad.returncode == 1
    assert "8 problems in the organization config" in bad.stderr and "Traceback" not in bad.stderr
    missing = _python("-m", "config", "no/such/org.yaml")
    assert missing.returncode == 1 and "cannot read the config file" in missing.stderr


# Synthesizes the accounts that hold every kind of construct of the example, without cdk-nag, with jsii set to
# fail on any deprecated API. app.py quiets jsii's deprecation warnings because cdk-nag's AwsSolutions-EVB1 rule
# reads CfnEventBusPolicy#principal; this keeps our own code from hiding behind that.
SYNTH_WITHOUT_NAG = textwrap.dedent(
    """
    import json, sys
    import aws_cdk as cdk
    from config.loader import load_config
    from stacks.assembly import assemble
    app = cdk.App(context=json.load(open("cdk.json"))["context"], outdir=sys.argv[1])
    accounts = ["management", "log-archive", "security", "ci", "gov-management", "gov-log-archive"]
    assemble(app, load_config("config/org.yaml"), accounts=accounts, checks=False)
    app.synth()
    """
)

USES_A_DEPRECATED_API = textwrap.dedent(
    """
    import aws_cdk as cdk
    from aws_cdk import aws_events as events
    stack = cdk.Stack(cdk.App())
    policy = events.CfnEventBusPolicy(stack, "Policy", statement_id="x", statement={})
    policy.principal  # deprecated in aws-cdk-lib
    """
)


@pytest.mark.slow
def test_our_code_uses_no_deprecated_cdk_api(tmp_path: Path) -> None:
    env = {**os.environ, "JSII_DEPRECATED": "fail", "PYTHONPATH": str(ROOT)}
    ours = _python("-c", SYNTH_WITHOUT_NAG, str(tmp_path / "cdk.out"), env=env)
    assert ours.returncode == 0, ours.stderr[-3000:]
    # The guard itself works: the same setting fails on a deprecated API.
    deprecated = _python("-c", USES_A_DEPRECATED_API, env=env)
    assert deprecated.returncode != 0 and "principal is deprecated" in deprecated.stderr
