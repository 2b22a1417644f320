"""Engine: parameters, state arrays, the simpy calendar and the chunked runner."""
