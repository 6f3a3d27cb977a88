"""Test tooling for clients of the emulated APIs: a control-plane client, a server runner and
a pytest plugin (`emulator.testing.plugin`, registered as a pytest11 entry point)."""
