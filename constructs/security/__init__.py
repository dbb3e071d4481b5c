"""Organization-wide security services: GuardDuty, Security Hub, AWS Config aggregation, IAM Access Analyzer."""
