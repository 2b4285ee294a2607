"""Measuring quality: gold sets (`gold`) and BEIR retrieval benchmarks (`beir`)."""
