"""Rackspace Cloud Backup v1.0 (REST JSON, X-Auth-Token from Identity v2.0)."""
