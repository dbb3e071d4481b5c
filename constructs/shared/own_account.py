"""The stack's own account and region as CloudFormation resolves them at deploy time: account-agnostic templates.

A template that names its own account and region only through the pseudo parameters `AWS::AccountId` and
`AWS::Region` ("use pseudo parameters instead of hard-coded values to make your templates more portable and
easier to reuse across different AWS accounts and Regions",
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html) is the same text
for every account of one baseline profile, so it is verified once (and can later be one StackSet's template).
Values resolve to what the literals were, so a deployed resource sees no change.

`ACCOUNT` and `REGION` are CDK tokens: put into a string (an ARN, a name) they become `Fn::Join` with a `Ref` to
the pseudo parameter. Never compare them with an account ID or region: decide from the literal, write the token.
"""

from __future__ import annotations

import aws_cdk as cdk

from constructs import Construct

ACCOUNT = cdk.Aws.ACCOUNT_ID
REGION = cdk.Aws.REGION

# How cdk-nag writes a pseudo parameter inside a finding's resource (IAM5 `Resource::...`).
_NAG_FORMS = {ACCOUNT: "<AWS::AccountId>", REGION: "<AWS::Region>"}


def nag_form(text: str) -> str:
    """`text` (an acknowledgment ID built with `ACCOUNT` or `REGION` in it) as cdk-nag names it in a finding."""
    for token, form in _NAG_FORMS.items():
        text = text.replace(token, form)
    return text


def bootstrap_qualifier(scope: Construct) -> str:
    """The CDK bootstrap qualifier the app synthesizes with (cdk.json's context, or the CDK's default)."""
    default = cdk.DefaultStackSynthesizer.DEFAULT_QUALIFIER
    return scope.node.try_get_context("@aws-cdk/core:bootstrapQualifier") or default


def bootstrap_assets_bucket(scope: Construct) -> str:
    """The CDK bootstrap's file-asset bucket of the stack's own account and region, as `Fn::Sub` over the
    synthesizer's own name pattern (`DefaultStackSynthesizer.DEFAULT_FILE_ASSETS_BUCKET_NAME`, placeholders
    `${Qualifier}`, `${AWS::AccountId}`, `${AWS::Region}`,
    https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.DefaultStackSynthesizerProps.html). The synthesizer
    writes the literal bucket into the template when the stack's account is known; the asset manifest keeps the
    literal (that is where `cdk deploy` uploads), and this resolves to the same bucket at deploy time."""
    pattern = cdk.DefaultStackSynthesizer.DEFAULT_FILE_ASSETS_BUCKET_NAME.replace(
        "${Qualifier}", bootstrap_qualifier(scope)
    )
    return cdk.Fn.sub(pattern)
