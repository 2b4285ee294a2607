"""Checking a claim: what it says (parts), the evidence, each figure, comparisons, form (structure)
and the verdict.
"""
