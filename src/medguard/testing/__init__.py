"""Public helpers for tests: synthetic patients, assertions, and test keyrings.

``medguard.testing.synthetic.synthetic_extract`` builds the demo's synthetic hospital extract;
``medguard.testing.assertions.assert_no_plaintext`` proves a protected output holds no raw value.
"""
