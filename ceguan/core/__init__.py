"""The shared kernel: settings helpers, roles and jurisdictions, the audit log."""
