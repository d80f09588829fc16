"""Small pure-Python reference implementations of the pipeline's rules, for property tests."""
