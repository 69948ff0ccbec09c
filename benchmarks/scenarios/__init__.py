"""Ground-truth scenarios for the accuracy benchmarks and the scenario tests: made, cached, scored."""
