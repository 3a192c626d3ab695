"""Tests of the measuring helpers of benchmarks/."""
