"""What every vendor needs, written once: clock, state store, engine, state machines, errors,
rendering, surfaces and the runtime that holds them."""
