"""`elevate`: the operator CLI of time-bound, approved elevation (issue #12; runbook in docs/elevation.md).

    python -m ops.elevate request --account web-prod --permission-set Administrator --for 1h --reason "INC-1234"
                                  [--ticket INC-1234]
    python -m ops.elevate list [--pending | --active]
    python -m ops.elevate approve ID [--comment TEXT]
    python -m ops.elevate deny ID --comment TEXT
    python -m ops.elevate revoke ID
    common options: --partition aws|aws-us-gov, --profile NAME, --config PATH (default config/org.yaml),
                    --api-url URL, --json

It talks to the partition's elevation engine (the API in the Identity Center administration account) with the
caller's own AWS credentials: who asks or approves is what AWS says the credentials are, never an argument.
The config turns account names into IDs and knows the permission sets and partitions, so most mistakes are
reported before any call. Exit status: 0 on success; 1 with one message on stderr for bad input, missing
credentials, a refusal by the engine or a failure, never a traceback.

Modules: `inputs` (config lookups, durations), `client` (credentials, SSM, SigV4 calls), `render` (output),
`cli` (arguments and commands).
"""
