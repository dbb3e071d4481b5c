"""What happens to a stateful resource (bucket, key, log group, trail, vault) when CloudFormation removes it.

`RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE` writes `DeletionPolicy: RetainExceptOnCreate` and
`UpdateReplacePolicy: Retain`. The resource is kept when a stack update or delete removes or replaces it, as
with `Retain`, except when the stack operation that created it rolls back: then CloudFormation deletes it. A
failed first deploy therefore leaves no named bucket, log group or vault behind, and the retry does not fail with
"already exists" (with plain `Retain` it would).
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
https://aws.amazon.com/about-aws/whats-new/2023/07/aws-cloudformation-deletion-policies-dev-test-cycle/

Either policy also lets CloudFormation adopt an existing resource of the same name (`cdk deploy
--import-existing-resources`): https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/import-resources-automatically.html
"""

from __future__ import annotations

import aws_cdk as cdk

STATEFUL = cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
