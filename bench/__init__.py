"""Benchmarks of plansite search; see bench/README.md."""
