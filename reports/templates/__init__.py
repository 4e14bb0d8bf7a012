"""The report templates, shipped inside the package."""
