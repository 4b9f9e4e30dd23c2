"""Synthetic Sage 100 bases (SQLite) for tests, the demo and benchmarks."""
