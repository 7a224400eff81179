"""Mehvar's benchmarks: each measures a product path beside a reference run in the same process.

Run ``python -m bench --scale quick|full [--only NAME]`` from the repository root; results are written to
bench/results/ (see docs/benchmarks.md).
"""
