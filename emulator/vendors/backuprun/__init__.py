"""BackupRun (form POST to /api.php with apiCALL, XML answers, session cookie)."""
