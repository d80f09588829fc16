"""b12risk: find people at risk of vitamin B12 deficiency and report screening gaps."""

__version__ = "0.1.0"
