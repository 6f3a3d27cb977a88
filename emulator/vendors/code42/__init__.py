"""Code42 (DeviceBackupReport in JSON or CSV, token or Basic auth, role-scoped)."""
