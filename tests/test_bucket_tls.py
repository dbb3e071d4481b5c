"""Every bucket of every template has a bucket policy that denies requests below TLS 1.2 and without TLS.

AWS documents the TLS minimum as a Deny with `NumericLessThan s3:TlsVersion 1.2` on the bucket and its objects
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html#example-object-tls-version) and
the HTTPS requirement as a Deny on `aws:SecureTransport false`
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html).
"""

from __future__ import annotations

from config.regions import PartitionName
from tests.conftest import Synthesized


def test_every_bucket_denies_requests_below_tls_1_2_and_without_tls(
    synth: Synthesized, partition: PartitionName
) -> None:
    buckets = 0
    for info in (i for i in synth.infos if i.partition == partition):
        resources = synth.templates[info.stack_id]["Resources"]
        policies = {
            r["Properties"]["Bucket"]["Ref"]: r["Properties"]["PolicyDocument"]
            for r in resources.values()
            if r["Type"] == "AWS::S3::BucketPolicy"
        }
        for logical_id in (k for k, r in resources.items() if r["Type"] == "AWS::S3::Bucket"):
            buckets += 1
            where = f"{info.stack_id}/{logical_id}"
            assert logical_id in policies, f"{where} has no bucket policy"
            statements = policies[logical_id]["Statement"]
            objects = {"Fn::Join": ["", [{"Fn::GetAtt": [logical_id, "Arn"]}, "/*"]]}
            resource = [{"Fn::GetAtt": [logical_id, "Arn"]}, objects]
            assert {
                "Action": "s3:*",
                "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}},
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Resource": resource,
            } in statements, where
            assert {
                "Action": "s3:*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Resource": resource,
            } in statements, where
    assert buckets >= 3  # trail, access-log and session-log buckets at least
