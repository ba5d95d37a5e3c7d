"""Benchmarks: throughput and latency of the real system against raw limits in the same run."""
