"""The public namespace is a contract: pin it."""

import sim


def test_public_namespace_is_pinned():
    assert sorted(sim.__all__) == sorted(
        [
            "Results",
            "RunError",
            "Scenario",
            "ScenarioError",
            "SimError",
            "UsageError",
            "__version__",
            "calibrate",
            "compare",
            "discover",
            "figure_bytes",
            "hindcast",
            "library_calibration",
            "load_scenario",
            "plot_ceasefire_curve",
            "plot_control_fan",
            "plot_durability",
            "plot_forecast_path",
            "plot_obstruction",
            "plot_posterior",
            "plot_terms",
            "plot_terms_grid",
            "run",
            "sensitivity",
            "sweep",
        ]
    )
    for name in sim.__all__:
        assert hasattr(sim, name)


def test_errors_form_one_hierarchy():
    for cls in (sim.ScenarioError, sim.RunError, sim.UsageError):
        assert issubclass(cls, sim.SimError)
