"""IAM Access Analyzer analyzers with the organization as zone of trust, in the security account (its delegated
administrator). External access analyzers are regional and free: one per allowed region. The unused access analyzer
is optional and priced per IAM role and user analyzed per month; its findings do not depend on the region, so one,
in the home region, covers the organization
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-create-unused.html).
"""

from __future__ import annotations

from aws_cdk import aws_accessanalyzer as accessanalyzer

from config.models import AccessAnalyzer
from config.naming import Organization
from constructs import Construct


class OrganizationAnalyzers(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, org: Organization, settings: AccessAnalyzer, home: bool
    ) -> None:
        super().__init__(scope, construct_id)
        names = org.access_analyzers
        self.external = accessanalyzer.CfnAnalyzer(
            self, "External", analyzer_name=names["external"], type="ORGANIZATION"
        )
        self.unused: accessanalyzer.CfnAnalyzer | None = None
        if home and settings.unused_access:
            self.unused = accessanalyzer.CfnAnalyzer(
                self,
                "Unused",
                analyzer_name=names["unused"],
                type="ORGANIZATION_UNUSED_ACCESS",
                analyzer_configuration=accessanalyzer.CfnAnalyzer.AnalyzerConfigurationProperty(
                    unused_access_configuration=accessanalyzer.CfnAnalyzer.UnusedAccessConfigurationProperty(
                        unused_access_age=settings.unused_access_age_days
                    )
                ),
            )
