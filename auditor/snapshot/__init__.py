"""Loaders for every input shape, and normalisation into one linked estate model."""

from auditor.snapshot.load import load_estate, load_rows

__all__ = ["load_estate", "load_rows"]
