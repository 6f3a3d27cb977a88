"""pytest plugin: a running emulator per test session and a fresh sandbox per test."""
