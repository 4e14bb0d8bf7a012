"""Collect a snapshot bundle from Azure Resource Graph: the only code that touches the network.

Importing this package is cheap; the Azure SDK is imported only when a collection runs.
"""
