"""`python -m ops.access parity`: before deleting an IAM user, does its replacement cover what it actually used?

    python -m ops.access parity --user NAME --account ACCOUNT (--permission-set SET | --role ROLE)
                                [--days 90] [--config PATH] [--out DIR]

With credentials of the management account (as for `audit`: the auditor role, then the account's audit role):

1. What the user used in the last `--days` days: IAM's last-accessed report at action level
   (GenerateServiceLastAccessedDetails with ACTION_LEVEL, then GetServiceLastAccessedDetails), plus the user's events
   in the organization trail's CloudWatch log group (logs FilterLogEvents), when that log group can be read. IAM
   tracks actions only for some services; a service used without tracked actions is `<service>:*`, unknown.
2. The target's policies: a permission set of the config (AWS managed policies and customer-managed policies read
   from the account's IAM when the config does not hold them, the config's inline policy and boundary); or an
   existing role of the account (its inline, attached and boundary policies, read from IAM).
3. The SCPs of the config that apply to the account (root, its OUs, the account), over FullAWSAccess.
4. Each used action evaluated with config/policies/evaluator.py, in the region it was used in, as the target's
   principal in that account: `covered` only if every layer (identity policies, boundary, SCPs) allows it whatever
   the parts the evaluator cannot decide say; `missing` if a layer does not allow it even at best; otherwise
   `unknown`: a statement names specific resources (the report does not know which were used), a condition needs a
   key the request context does not have, or a policy's document could not be read. Unknown is never covered.

Exit status: 0 every used action is covered (or nothing was used); 1 bad input (config, unknown account, set, role
or user, no credentials, a role that cannot be assumed, the report job failed); 2 at least one action is missing;
3 nothing missing, but at least one action is unknown. The report is printed and written to
`<out>/parity-<account>-<user>.json`.
"""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("parity", help="does a permission set or role cover what an IAM user used?")
    parser.add_argument("--user", required=True, help="the IAM user to be deleted")
    parser.add_argument("--account", required=True, help="the account name (config) that holds the user")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--permission-set", help="a permission set of the config")
    target.add_argument("--role", help="an existing role in the account")
    parser.add_argument("--days", type=int, default=90, help="how far back to look (default 90)")
    parser.add_argument("--config", default="config/org.yaml")
    parser.add_argument("--out", default="cdk.out", help="directory for the JSON report")


def run(args: argparse.Namespace) -> int:
    from ops.access import live_parity  # boto3 only when the live command runs

    return live_parity.run(args)
