"""CloudFormation stacks: each composes constructs and places them in one account and region."""
