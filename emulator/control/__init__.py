"""The /_emulator control plane: health, credentials, reset, clock, sandboxes, OpenAPI."""
