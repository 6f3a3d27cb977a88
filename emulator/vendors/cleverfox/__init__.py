"""CleverFox Backup (REST JSON over HTTP Basic at /api/{resource})."""
