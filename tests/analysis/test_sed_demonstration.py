"""The SED demonstration's driver (specs, votes, collection) and its figures, on synthetic results."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "analysis" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def driver():
    return _module("sed_demonstration")


@pytest.fixture(scope="module")
def plots():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    return _module("plot_sed_demonstration")


def _interval(mean, half=1.0):
    return [mean, mean - half, mean + half]


def _report(eta: float, chosen, objective: dict) -> dict:
    """A report.json as ``sedtheory.scale.design`` writes it, with made-up numbers."""
    schedules = {}
    for rates, value in objective.items():
        roles = (["chosen"] if list(rates) == list(chosen) else []) + (["no tax"] if not any(rates) else [])
        schedules["fixed_rates=" + "_".join(str(r) for r in rates)] = {
            "rates": list(rates), "roles": roles, "objective": _interval(value),
            "total_apples": _interval(2 * value, 5), "min_apples": _interval(value / 10), "gini": _interval(0.1, 0.01),
            "apples_left": _interval(3.0), "tax_collected": _interval(value)}
    zero = objective[(0.0, 0.0, 0.0)]
    delta = objective[tuple(chosen)] - zero
    return {"chosen": list(chosen), "eta": eta, "rungs": [{"episodes": 1, "objective": {}, "kept": []}],
            "schedules": schedules, "comparisons": {"chosen - no tax": _interval(delta)},
            "versus_no_tax": {"objective": _interval(delta), "total_apples": _interval(2 * delta),
                              "min_apples": _interval(delta / 10), "gini": _interval(-0.05, 0.01),
                              "apples_left": _interval(3.0), "tax_collected": _interval(10.0)},
            "certificate": {"epsilon_hat": -delta, "delta_hat": [1.5], "holds": False}}


def _synthetic(tmp_path: Path, driver, with_episodes: bool = False) -> Path:
    root = tmp_path / "designs"
    for name, eta in driver.ELECTORATES.items():
        chosen = (1.0, 1.0, 1.0) if eta < 0.8 else (0.5, 0.5, 0.5)
        folder = root / name
        folder.mkdir(parents=True)
        report = _report(eta, chosen, {(0.0, 0.0, 0.0): 40.0, (0.5, 0.5, 0.5): 60.0 + 30 * eta,
                                       (1.0, 1.0, 1.0): 120.0 - 40 * eta})
        (folder / "report.json").write_text(json.dumps(report))
        if with_episodes:      # per-episode values whose means are the report's (2 seeds x 2 games)
            (folder / "report_episodes.json").write_text(json.dumps({"report_seeds": [1, 2], "eval_games": 2, "schedules": {
                name: {"rates": row["rates"], **{m: [row[m][0] + d for d in (-1.0, 1.0, -0.5, 0.5)]
                                                 for m in ("objective", "total_apples", "min_apples")}}
                for name, row in report["schedules"].items()}}))
        (folder / "report.txt").write_text("table\n")
        (folder / "design.json").write_text(json.dumps({"spec": driver.design_spec(eta), "candidates": []}))
    (root / "wall_eta20.jsonl").write_text('{"start": 0.0, "end": 600.0, "rc": 0}\n'
                                           '{"start": 1000.0, "end": 1060.0, "rc": 0}\n')
    return root


def test_electorates_vote_the_intended_eta(driver):
    for name, eta in driver.ELECTORATES.items():
        sigma = driver.selfishness(eta)
        assert len(sigma) == 7 and all(0.0 <= s <= 1.0 for s in sigma)
        votes = driver.votes(sigma)
        assert votes["mean"]["eta"] == pytest.approx(eta, abs=1e-12)
        assert votes["mean"]["reports"] == sigma                 # truthful reports are the types
        assert votes["median"]["eta"] == pytest.approx(eta, abs=1e-12)


def test_specs_are_valid_designs_and_match_the_stored_files(driver, tmp_path):
    from sedtheory.scale import load_design_spec

    paths = driver.write_specs(tmp_path)
    for name, eta in driver.ELECTORATES.items():
        spec = load_design_spec(paths[name])
        assert spec.full_grid and len(spec.schedules()) == 7 and spec.rungs() == [10, 30]
        assert spec.base["selfishness"] == tuple(driver.selfishness(eta))
        assert set(spec.selection_seeds).isdisjoint(spec.report_seeds)
        stored = ROOT / "benchmarks" / driver.SPEC_FILE.format(name=name)
        assert json.loads(stored.read_text()) == json.loads(paths[name].read_text())


def test_collect_gathers_the_finished_designs(driver, tmp_path):
    root = _synthetic(tmp_path, driver)
    results = driver.collect(root, 2, "benchmarks")
    assert sorted(results["electorates"]) == ["eta20", "eta50", "eta90"]
    e20 = results["electorates"]["eta20"]
    assert e20["eta"] == 0.2 and e20["chosen"] == [1.0, 1.0, 1.0]
    assert e20["wall"]["total_seconds"] == pytest.approx(660.0) and len(e20["wall"]["attempts"]) == 2
    assert e20["command"].startswith("python -m sedtheory design benchmarks/sed_demonstration_eta20.json")
    assert "ROOT/eta20" in e20["command"] and str(tmp_path) not in json.dumps(results)   # no machine paths
    (root / "eta50" / "report.json").unlink()                  # an unfinished design is left out
    assert sorted(driver.collect(root, 2, "benchmarks")["electorates"]) == ["eta20", "eta90"]


def test_figures_and_table_from_synthetic_results(driver, plots, tmp_path):
    results = driver.collect(_synthetic(tmp_path, driver), 2, "benchmarks")
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    plots.main(["--out", str(tmp_path / "figs"), "--results", str(path)])
    names = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert names == ["sed_demonstration_objective.png", "sed_demonstration_outcomes.png",
                     "sed_demonstration_reweighted.png", "sed_demonstration_table.md", "sed_demonstration_versus_no_tax.png"]
    assert all((tmp_path / "figs" / n).stat().st_size > 1000 for n in names if n.endswith(".png"))
    rows = (tmp_path / "figs" / "sed_demonstration_table.md").read_text().splitlines()
    assert len(rows) == 2 + 3
    assert rows[2].startswith("| eta20 | 0.20 | [1, 1, 1] |") and "| 72.0 [71.0, 73.0] |" in rows[2]   # paired Δ O_η: 112 − 40
    assert rows[4].startswith("| eta90 | 0.90 | [0.5, 0.5, 0.5] |")
    assert rows[2].rstrip().endswith("| 11.0 |")              # wall minutes: 600 s + 60 s


def test_a_replicate_seed_names_its_specs_and_folders(driver, tmp_path):
    paths = driver.write_specs(tmp_path, seed=3)
    assert paths["eta50"].name == "sed_demonstration_eta50_seed3.json"
    spec = json.loads(paths["eta50"].read_text())
    assert spec["seed"] == 3 and spec == {**driver.design_spec(0.5), "seed": 3}
    assert driver.command("eta50", "ROOT", 2, seed=3)[4:7] == [
        "benchmarks/sed_demonstration_eta50_seed3.json", "--design-dir", "ROOT/eta50_seed3"]
    assert driver.command("eta50", "ROOT", 2)[4] == "benchmarks/sed_demonstration_eta50.json"


def test_replicate_figure(driver, plots, tmp_path):
    main = driver.collect(_synthetic(tmp_path, driver), 2, "benchmarks")
    replicate = json.loads(json.dumps(main))
    replicate["seed"] = 3
    del replicate["electorates"]["eta50"]                       # a replicate still under way
    paths = []
    for name, data in (("main.json", main), ("seed3.json", replicate)):
        paths.append(tmp_path / name)
        paths[-1].write_text(json.dumps(data))
    plots.main(["--out", str(tmp_path / "figs"), "--results", str(paths[0]), "--replicates", str(paths[1])])
    assert (tmp_path / "figs" / "sed_demonstration_replicates.png").stat().st_size > 1000
    fig = plots.plot_replicates([main, replicate])
    assert len(fig.axes[0].get_legend().get_texts()) == 2


def test_collect_pairs_every_schedule_from_the_stored_episodes(driver, tmp_path):
    results = driver.collect(_synthetic(tmp_path, driver, with_episodes=True), 2, "benchmarks")
    e20 = results["electorates"]["eta20"]["paired"]
    # the same offsets in every schedule: paired differences are exact (zero-width intervals)
    assert e20["minus_no_tax"]["fixed_rates=1.0_1.0_1.0"]["objective"] == pytest.approx([72.0, 72.0, 72.0])
    assert e20["minus_no_tax"]["fixed_rates=0.0_0.0_0.0"]["objective"] == pytest.approx([0.0, 0.0, 0.0])
    assert e20["chosen_minus"]["fixed_rates=0.5_0.5_0.5"]["objective"][0] == pytest.approx(112.0 - 66.0)
    assert "fixed_rates=1.0_1.0_1.0" not in e20["chosen_minus"]
    # eta90 chose [0.5, 0.5, 0.5]; eta50 chose [1, 1, 1] like eta20 (a zero difference)
    choice = e20["chosen_minus_choice_of"]
    assert choice["eta90"]["rates"] == [0.5, 0.5, 0.5] and choice["eta90"]["objective"][0] == pytest.approx(46.0)
    assert choice["eta50"]["objective"] == pytest.approx([0.0, 0.0, 0.0])
    assert "paired" not in driver.collect(_synthetic(tmp_path / "again", driver), 2, "benchmarks")["electorates"]["eta20"]


def test_choice_table_pairs_within_each_electorate(driver, plots, tmp_path):
    results = driver.collect(_synthetic(tmp_path, driver, with_episodes=True), 2, "benchmarks")
    rows = plots.choice_table(results).splitlines()
    assert len(rows) == 2 + 3
    # eta20's players: chosen [1, 1, 1] (112), runner-up [0.5, 0.5, 0.5] (66), no tax 40
    assert rows[2].startswith("| eta20 (η = 0.20) | [1, 1, 1] | [0.5, 0.5, 0.5] | 46.0 [46.0, 46.0] |")
    assert "eta90 [0.5, 0.5, 0.5]: 46.0 [46.0, 46.0]" in rows[2]
    assert plots.choice_table(driver.collect(_synthetic(tmp_path / "again", driver), 2, "benchmarks")) == ""
