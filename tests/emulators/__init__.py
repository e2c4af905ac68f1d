"""Local HTTP emulators of the FSM platforms, for tests and benchmarks (real servers on 127.0.0.1)."""
