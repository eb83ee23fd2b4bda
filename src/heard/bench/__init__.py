"""Benchmarks: measured speed and memory, with the machine and settings they ran on."""
