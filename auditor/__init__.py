"""Policy-as-code compliance auditor for Azure Update Manager."""

__version__ = "0.1.0"
TOOL_NAME = "aum-auditor"
