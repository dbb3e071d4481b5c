"""The checks, product code users rely on: those that run inside synthesis (cdk-nag packs, the partition lint,
as validation plugins on the App: synth.py) and the post-synth verification gate on cdk.out (`make verify`:
verify.py and one module per checker)."""
