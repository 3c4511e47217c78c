"""Sweep specs: expansion into trials, deterministic names and draws, and validation errors."""

import json

import pytest

from sedtheory._validate import ValidationError
from sedtheory.rl.config import make_config
from sedtheory.scale.spec import SweepSpec, coerce_value, draw_random, load_spec, spec_from_dict, trial_name, trials

BASE = {"preset": "tiny", "set": {"total_timesteps": 800}}


def test_grid_times_seeds_in_order_with_names_from_settings():
    spec = spec_from_dict({**BASE, "seeds": [3, 1],
                           "grid": {"gamma": [0.99, 0.999], "fixed_rates": [[0, 0, 0], [1, 1, 1]]}})
    got = trials(spec)
    assert [t.name for t in got] == [
        "gamma=0.99,fixed_rates=0.0_0.0_0.0,seed=3", "gamma=0.99,fixed_rates=0.0_0.0_0.0,seed=1",
        "gamma=0.99,fixed_rates=1.0_1.0_1.0,seed=3", "gamma=0.99,fixed_rates=1.0_1.0_1.0,seed=1",
        "gamma=0.999,fixed_rates=0.0_0.0_0.0,seed=3", "gamma=0.999,fixed_rates=0.0_0.0_0.0,seed=1",
        "gamma=0.999,fixed_rates=1.0_1.0_1.0,seed=3", "gamma=0.999,fixed_rates=1.0_1.0_1.0,seed=1"]
    # each trial's config is the preset with the fixed fields and its own settings, nothing else
    assert got[5].config == make_config("tiny", total_timesteps=800, progress=False, gamma=0.999,
                                        fixed_rates=(0.0, 0.0, 0.0), seed=1)
    assert got[0].group == got[1].group != got[2].group


def test_random_draws_are_seeded_rounded_and_named_exactly():
    data = {**BASE, "random": {"learning_rate": {"loguniform": [1e-4, 1e-3]}, "update_epochs": {"int": [1, 3]},
                               "ent_coef": {"choice": [0.0, 0.01]}}, "samples": 4, "sample_seed": 7}
    first, again = draw_random(spec_from_dict(data)), draw_random(spec_from_dict(data))
    assert first == again
    assert first != draw_random(spec_from_dict({**data, "sample_seed": 8}))
    for sample in first:
        rate = sample["learning_rate"]
        assert 1e-4 <= rate <= 1e-3 and float(f"{rate:.4g}") == rate
        assert sample["update_epochs"] in (1, 2, 3) and sample["ent_coef"] in (0.0, 0.01)
    named = trials(spec_from_dict(data))
    assert len(named) == 4
    assert all(f"learning_rate={t.config.learning_rate!r}" in t.name for t in named)


def test_values_from_the_command_line_are_coerced_by_field_type():
    assert coerce_value("gamma", "0.999") == 0.999
    assert coerce_value("num_games", "4") == 4
    assert coerce_value("fixed_rates", "0/0.5/1") == (0.0, 0.5, 1.0)
    assert coerce_value("zap", "true") is True
    assert coerce_value("network", "mlp") == "mlp"


def test_long_names_are_cut_with_a_hash_and_stay_distinct():
    a = trial_name({"map_ascii": "A" * 300, "seed": 1})
    b = trial_name({"map_ascii": "A" * 299 + "B", "seed": 1})
    assert len(a) <= 160 and len(b) <= 160 and a != b


@pytest.mark.parametrize("data, message", [
    ({"grid": {"gama": [0.9]}}, "grid.gama: not a TrainConfig field"),
    ({"set": {"num_games": 2.5}}, "set.num_games: expected an integer"),
    ({"grid": {"gamma": ["high"]}}, "grid.gamma: expected a number"),
    ({"grid": {"gamma": []}}, "grid.gamma: expected a non-empty list"),
    ({"grid": {"gamma": [0.9, 0.9]}}, "grid.gamma: repeated value"),
    ({"grid": {"seed": [1, 2]}}, "grid.seed: give training seeds as `seeds`"),
    ({"grid": {"gamma": [0.9]}, "set": {"gamma": 0.9}}, "grid.gamma: already given in `set`"),
    ({"seeds": []}, "seeds: expected a non-empty list"),
    ({"seeds": [1, 1]}, "seeds: repeated seed"),
    ({"preset": "huge"}, "preset: unknown preset"),
    ({"grids": {}}, "grids: not a key of a sweep spec"),
    ({"random": {"gamma": {"normal": [0, 1]}}, "samples": 2}, "random.gamma: unknown distribution 'normal'"),
    ({"random": {"gamma": {"uniform": [0.99, 0.9]}}, "samples": 2}, "random.gamma: low 0.99 exceeds high 0.9"),
    ({"random": {"learning_rate": {"loguniform": [0, 1]}}, "samples": 2},
     "random.learning_rate: loguniform needs low > 0"),
    ({"random": {"num_games": {"uniform": [1, 4]}}, "samples": 2}, "random.num_games: a uniform distribution needs"),
    ({"random": {"gamma": {"uniform": [0.9, 0.99]}}}, "samples: give both"),
    ({"last_episodes": 0}, "last_episodes: must be an integer >= 1"),
    ({"fixed_rates": 1}, "fixed_rates: not a key of a sweep spec"),
])
def test_bad_specs_name_the_field(data, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace("[", r"\[")):
        trials(spec_from_dict({**BASE, **data}))


def test_an_invalid_trial_names_the_field_and_the_trial():
    spec = spec_from_dict({**BASE, "grid": {"num_steps": [100, 150]}})
    message = r"num_steps: must divide episode_length=200, got 150 \(trial num_steps=150,seed=1\)"
    with pytest.raises(ValidationError, match=message):
        trials(spec)


def test_spec_built_in_python_is_validated_too():
    with pytest.raises(ValidationError, match="grid.nope: not a TrainConfig field"):
        SweepSpec(preset="tiny", grid={"nope": [1]})
    with pytest.raises(ValidationError, match="random.gamma: expected \\(distribution, arguments\\)"):
        SweepSpec(preset="tiny", random={"gamma": "uniform"}, samples=1)


def test_spec_files_json_and_toml_agree(tmp_path):
    json_path = tmp_path / "s.json"
    json_path.write_text(json.dumps({"preset": "tiny", "seeds": [1, 2], "set": {"total_timesteps": 800},
                                     "grid": {"fixed_rates": [[0, 0, 0], [1, 1, 1]]}}))
    toml_path = tmp_path / "s.toml"
    toml_path.write_text('preset = "tiny"\nseeds = [1, 2]\n[set]\ntotal_timesteps = 800\n'
                         '[grid]\nfixed_rates = [[0, 0, 0], [1, 1, 1]]\n')
    assert load_spec(json_path) == load_spec(toml_path)
    assert spec_from_dict(load_spec(json_path).to_dict()) == load_spec(json_path)
    bad = tmp_path / "s.json5"
    bad.write_text("{}")
    with pytest.raises(ValidationError, match="spec: unknown file type"):
        load_spec(bad)
    broken = tmp_path / "b.json"
    broken.write_text("{")
    with pytest.raises(ValidationError, match="spec: cannot parse b.json"):
        load_spec(broken)


def test_specs_built_in_python_get_the_fields_types():
    """Lists for tuple fields become tuples, so a trial's config equals the one its run folder reads back."""
    from sedtheory.rl.config import config_from_dict, config_to_dict

    spec = SweepSpec(preset="tiny", fixed={"total_timesteps": 800, "tax_thresholds": [0, 10, 20, 10000]},
                     grid={"fixed_rates": [[0, 0, 0], [1, 1, 1]]})
    assert spec.grid["fixed_rates"] == [(0.0, 0.0, 0.0), (1.0, 1.0, 1.0)]
    for trial in trials(spec):
        assert config_from_dict(config_to_dict(trial.config)) == trial.config
