"""Input and output plumbing shared by every layer: atomic writes, output folders and their
markers, integrity checks of what is read back, JSON values, machine limits, estimates of a
run's cost, where jobs run (local pool or Dask) and progress bars. No simulation logic."""
