"""Proof by deployment that an account bootstrapped through the StackSet (`python -m ops.bootstrap_stackset`) takes a
`cdk deploy` from the deployment account with the real CDK CLI, though it has no `CDKToolkit` stack: the CLI finds the
bootstrap by its names (the qualifier's roles and staging bucket, and the `/cdk-bootstrap/<qualifier>/version`
parameter). Local AWS API: tests/support/local_cloud.py with the StackSet gap fills of tests/support/stack_sets.py.
Run with `make deploy-test` (marker `deploy`).

One partition per run of the module fixture, in parallel would double the CLI's memory: commercial, then GovCloud.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ops.bootstrap_stackset import BootstrapPlan, Preferences, apply, bootstrap_template
from ops.deploy import DEFAULT_CDK
from tests.support.deploy_run import CliRun, cdk
from tests.support.local_cloud import LocalCloud, organization_with_accounts
from tests.support.stack_sets import stack_sets

pytestmark = pytest.mark.deploy

HOME = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}
MANAGEMENT, DEPLOYMENT, MEMBER = "100000000001", "100000000002", "100000000003"
QUALIFIER = "hnb659fds"
PROBE = "BootstrapProbe"

# A one-stack CDK app for the member account: an SSM parameter and a file asset, so the deploy both publishes to the
# staging bucket (the file-publishing role) and deploys (the deploy role and the execution role).
PROBE_APP = """
import sys
import aws_cdk as cdk
from aws_cdk import aws_s3_assets as assets, aws_ssm as ssm

account, region, outdir, asset = sys.argv[1:5]
app = cdk.App(outdir=outdir)
stack = cdk.Stack(app, "BootstrapProbe", env=cdk.Environment(account=account, region=region))
probe = assets.Asset(stack, "Probe", path=asset)
ssm.StringParameter(stack, "Marker", parameter_name="/probe/asset", string_value=probe.s3_object_key)
app.synth()
"""


@pytest.fixture(scope="module", params=["aws", "aws-us-gov"])
def deployed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    partition: str = request.param
    region = HOME[partition]
    workdir = tmp_path_factory.mktemp(f"bootstrap-{partition}")
    cloud = LocalCloud().start()
    try:
        with stack_sets():
            ids = {"management": MANAGEMENT, "deployment": DEPLOYMENT, "member": MEMBER}
            organization_with_accounts(cloud, MANAGEMENT, partition, region, ids)
            root = cloud.client("organizations", MANAGEMENT, partition, region).list_roots()["Roots"][0]["Id"]
            plan = BootstrapPlan(
                partition=partition,  # type: ignore[arg-type]
                stack_set_name=f"CDKBootstrap-{QUALIFIER}",
                home_region=region,
                qualifier=QUALIFIER,
                deployment_account=DEPLOYMENT,
                management_account=MANAGEMENT,
                targets={root: "Root"},
                regions=[region],
                call_as="SELF",
                preferences=Preferences(),
            )
            lines: list[str] = []
            apply(
                plan,
                bootstrap_template(str(DEFAULT_CDK)),
                cloud.client("cloudformation", MANAGEMENT, partition, region),
                poll_seconds=0,
                out=lines.append,
            )
            assembly = _synthesize(workdir, region)
            run = cdk(
                cloud,
                ["deploy", "--app", str(assembly), "--require-approval", "never", PROBE],
                workdir,
                cloud.operator(DEPLOYMENT, partition, region),
            )
            yield {"cloud": cloud, "partition": partition, "region": region, "run": run, "lines": lines}
    finally:
        cloud.stop()


def _synthesize(workdir: Path, region: str) -> Path:
    import subprocess
    import sys

    asset = workdir / "probe.txt"
    asset.write_text("probe\n")
    outdir = workdir / "cdk.out"
    (workdir / "probe_app.py").write_text(PROBE_APP)
    subprocess.run(
        [sys.executable, str(workdir / "probe_app.py"), MEMBER, region, str(outdir), str(asset)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return outdir


def test_the_cli_deploys_into_an_account_bootstrapped_by_the_stack_set(deployed: dict[str, Any]) -> None:
    run: CliRun = deployed["run"]
    assert run.returncode == 0, run.output[-3000:]
    assert run.deployed(PROBE)
    cloud, partition, region = deployed["cloud"], deployed["partition"], deployed["region"]
    cfn = cloud.client("cloudformation", MEMBER, partition, region)
    stacks = {s["StackName"]: s["StackStatus"] for s in cfn.describe_stacks()["Stacks"]}
    assert stacks == {PROBE: "CREATE_COMPLETE"}  # no CDKToolkit: the bootstrap is the StackSet's (hidden) stack
    key = cloud.client("ssm", MEMBER, partition, region).get_parameter(Name="/probe/asset")["Parameter"]["Value"]
    s3 = cloud.client("s3", MEMBER, partition, region)
    body = s3.get_object(Bucket=f"cdk-{QUALIFIER}-assets-{MEMBER}-{region}", Key=key)["Body"].read()
    assert body == b"probe\n"  # published to the StackSet's staging bucket


def test_the_management_account_is_not_bootstrapped(deployed: dict[str, Any]) -> None:
    cloud, partition, region = deployed["cloud"], deployed["partition"], deployed["region"]
    ssm = cloud.client("ssm", MANAGEMENT, partition, region)
    names = [p["Name"] for p in ssm.describe_parameters()["Parameters"]]
    assert f"/cdk-bootstrap/{QUALIFIER}/version" not in names
    assert json.dumps(deployed["lines"]).count("SUCCEEDED") == 1  # one operation: create instances
