"""The elevation API: API Gateway REST, REGIONAL, AWS_IAM authorization on every method, Lambda proxy integration,
a resource policy for the engine's account only, access logs, and the SSM parameter with its URL (the CLI's way in).

With AWS_IAM authorization API Gateway verifies the SigV4 signature and the caller's `execute-api:Invoke`
permission, and passes the caller's ARN to the integration (requestContext.identity.userArn):
https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html. REST APIs are available in both
partitions (GovCloud: https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-abp.html); AWS AppSync and
Amplify, which AWS's TEAM sample needs, are not.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm

from config.elevation import API_STAGE, EngineNames
from config.policies.statements import allow, aws, document, service_trust
from constructs import Construct
from constructs.shared.checkov import skip_checkov
from constructs.shared.logical_ids import pin_logical_id
from constructs.shared.retention import STATEFUL

# Routes of the contract (docs/elevation.md): (path below /requests, method).
ROUTES = (("", "GET"), ("", "POST"), ("{id}/approve", "POST"), ("{id}/deny", "POST"), ("{id}/revoke", "POST"))
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId", "caller": "$context.identity.userArn", "sourceIp": "$context.identity.sourceIp",
    "method": "$context.httpMethod", "path": "$context.resourcePath", "status": "$context.status",
    "time": "$context.requestTime", "error": "$context.error.message",
}  # fmt: skip


class ElevationApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: EngineNames,
        partition: str,
        account_id: str,
        region: str,
        key: kms.IKey,
        api_function_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        access_log_name = f"/{names.prefix}/api-access"
        self.access_log = logs.CfnLogGroup(
            self, "AccessLog", log_group_name=access_log_name, retention_in_days=365, kms_key_id=key.key_arn
        )
        self.access_log.apply_removal_policy(STATEFUL)
        pin_logical_id(self.access_log, "ElevationApiAccessLog")
        # API Gateway writes logs with the region's account-wide role (AWS::ApiGateway::Account):
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
        push_role = iam.CfnRole(
            self,
            "LogsRole",
            role_name=names.role("apigateway-logs"),
            description="org-baseline elevation: API Gateway's account-wide role for writing API logs",
            max_session_duration=3600,
            assume_role_policy_document=service_trust(
                "apigateway.amazonaws.com", condition={"StringEquals": {"aws:SourceAccount": account_id}}
            ),
            managed_policy_arns=[f"arn:{partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"],
        )
        cdk.Validations.of(push_role).acknowledge(
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM4[Policy::arn:{partition}:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs]",
                reason="The AWS managed policy API Gateway's logging setup documents for its account-wide role.",
            )
        )
        account = apigw.CfnAccount(self, "Account", cloud_watch_role_arn=push_role.attr_arn)

        policy = document(
            allow(
                sid="EngineAccountOnly",
                principal=aws(f"arn:{partition}:iam::{account_id}:root"),
                action="execute-api:Invoke",
                resource="execute-api:/*",
            )
        )
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=f"{names.prefix}-api",
            description="org-baseline elevation: request, approve, deny and revoke time-bound access",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            policy=iam.PolicyDocument.from_json(policy),
            cloud_watch_role=False,
            deploy_options=apigw.StageOptions(
                stage_name=API_STAGE,
                access_log_destination=apigw.LogGroupLogDestination(
                    logs.LogGroup.from_log_group_arn(self, "AccessLogRef", self.access_log.attr_arn)
                ),
                access_log_format=apigw.AccessLogFormat.custom(cdk.Stack.of(self).to_json_string(ACCESS_LOG_FORMAT)),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                tracing_enabled=True,
                throttling_rate_limit=10,
                throttling_burst_limit=20,
            ),
            default_method_options=apigw.MethodOptions(authorization_type=apigw.AuthorizationType.IAM),
        )
        self.api.node.add_dependency(account)
        validator = self.api.add_request_validator(
            "Validator", validate_request_body=True, validate_request_parameters=True
        )
        function = lambda_.Function.from_function_attributes(
            self, "Function", function_arn=api_function_arn, same_environment=True
        )
        integration = apigw.LambdaIntegration(function, proxy=True)
        requests = self.api.root.add_resource("requests")
        for path, method in ROUTES:
            resource: apigw.IResource = requests
            for part in filter(None, path.split("/")):
                resource = resource.get_resource(part) or resource.add_resource(part)
            resource.add_method(method, integration, request_validator=validator)
        no_waf = (
            "Every method requires SigV4 (AWS_IAM) from the engine's own account, which the resource policy "
            "enforces too; AWS WAF would add rate rules the stage throttling already sets."
        )
        no_cache = "Responses are per caller and change with every decision: caching them would show stale state."
        no_client_cert = (
            "The integration is a Lambda function, not an HTTP backend; a client certificate authenticates API "
            "Gateway to HTTP backends only."
        )
        cdk.Validations.of(self.api).acknowledge(
            cdk.Acknowledgment(id="AwsSolutions-APIG3", reason=no_waf),
            cdk.Acknowledgment(id="NIST.800.53.R5-APIGWAssociatedWithWAF", reason=no_waf),
            cdk.Acknowledgment(id="NIST.800.53.R5-APIGWCacheEnabledAndEncrypted", reason=no_cache),
            cdk.Acknowledgment(id="NIST.800.53.R5-APIGWSSLEnabled", reason=no_client_cert),
            cdk.Acknowledgment(
                id="AwsSolutions-COG4",
                reason="AWS_IAM authorization with Identity Center sessions replaces a Cognito user pool.",
            ),
        )
        stage = self.api.deployment_stage.node.default_child
        assert isinstance(stage, cdk.CfnResource)
        skip_checkov(
            stage,
            ("CKV_AWS_120", no_cache),
            ("CKV2_AWS_29", no_waf),
            ("CKV2_AWS_51", no_client_cert),
        )
        self.url = f"https://{self.api.rest_api_id}.execute-api.{region}.{cdk.Aws.URL_SUFFIX}/{API_STAGE}"
        ssm.CfnParameter(
            self,
            "UrlParameter",
            name=names.api_url_parameter,
            type="String",
            value=self.url,
            description="org-baseline: invoke URL of the elevation API (read by the elevate CLI)",
        )
