"""`python -m ops.access audit`: a live, read-only audit of who can get in, against the config.

    python -m ops.access audit --partition aws|aws-us-gov [--config PATH] [--accounts a,b] [--out DIR]
                               [--concurrency 8]

With credentials of the management account (any principal there that may assume the auditor role
`<prefix>-baseline-access-auditor`, or that role itself), it reads, writing nothing:

- organization (auditor role): the organization trail is logging (cloudtrail GetTrailStatus); each SCP of the config
  is attached to each of its targets, and no other baseline SCP is (organizations ListPoliciesForTarget); the
  Identity Center assignments of each audited account match the config's (sso-admin ListAccountAssignments per
  permission set): present but not in the config ("unexplained"), in the config but absent ("missing").
- each account (its audit role `<prefix>-baseline-access-audit`, accounts in parallel): IAM users with a console
  password or access keys (with each key's age and last use; users tagged for legacy-bot migration are named so),
  MFA on users with a password, root access keys and root MFA (iam GetAccountSummary), and the baseline backup
  vault locked in each of the account's regions (backup DescribeBackupVault).

The configured breakglass users are expected IAM users: they are listed as `info`, and reported only without MFA.
An account whose audit role cannot be assumed gets one `error` row and the others go on; so does a check that
fails (throttling that outlasts the retries included: ops/access/aws.py).

Output: a table on stdout, a progress counter on stderr, and `access-audit-<partition>.json` and `.csv` in `--out`
(default cdk.out). Exit status: 0 nothing found; 1 bad input (config, account names, no credentials, auditor role
not assumable), with one message; 2 findings or errors (accounts or checks that could not be read).
"""

from __future__ import annotations

import argparse

from config.regions import PARTITION_NAMES

DEFAULT_CONCURRENCY = 8


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("audit", help="live read-only audit of IAM users, root, trail, vault, SCPs, SSO")
    parser.add_argument("--partition", required=True, choices=PARTITION_NAMES)
    parser.add_argument("--config", default="config/org.yaml")
    parser.add_argument("--accounts", help="comma-separated account names (default: every account of the partition)")
    parser.add_argument("--out", default="cdk.out", help="directory for the JSON and CSV reports")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="accounts audited at once")


def run(args: argparse.Namespace) -> int:
    from ops.access import live_audit  # boto3 only when the live command runs

    return live_audit.run(args)
