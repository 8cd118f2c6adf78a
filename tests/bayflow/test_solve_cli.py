"""`bayflow solve` and `bayflow scenario generate`: results, and errors naming the field."""
import json

import jsonschema
import pytest

from bayflow.cli import main
from scheduler.scenario import schema


@pytest.fixture
def generated(tmp_path):
    path = tmp_path / "shop.json"
    assert main(["scenario", "generate", "--tasks", "25", "--techs", "4", "--bays", "3", "--seed", "5",
                 "--out", str(path)]) == 0
    return path


def test_generate_is_valid_and_reproducible(generated, tmp_path):
    data = json.loads(generated.read_text())
    jsonschema.validate(data, schema())
    assert len(data["tasks"]) == 25 and len(data["technicians"]) == 4 and len(data["bays"]) == 3
    again, other = tmp_path / "again.json", tmp_path / "other.json"
    main(["scenario", "generate", "--tasks", "25", "--techs", "4", "--bays", "3", "--seed", "5", "--out", str(again)])
    main(["scenario", "generate", "--tasks", "25", "--techs", "4", "--bays", "3", "--seed", "6", "--out", str(other)])
    assert again.read_text() == generated.read_text() != other.read_text()
    sizes = {}
    for t in data["tasks"]:
        sizes[t["work_order"]] = sizes.get(t["work_order"], 0) + 1
    assert max(sizes.values()) <= 6 and any(t["depends_on"] for t in data["tasks"])


def test_solve_prints_a_summary_and_writes_the_result(generated, tmp_path, capsys):
    out = tmp_path / "result.json"
    assert main(["solve", str(generated), "--time-limit", "1", "--workers", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("status: ") and "tardiness" in printed and "late work orders" in printed
    result = json.loads(out.read_text())
    assert result["status"] in ("optimal", "feasible")
    assert set(result["objective_breakdown"]) == {"tardiness", "completion", "stability"}
    assert {k: v for k, v in result["parameters"].items() if k not in ("source", "local_search")} == {
        "time_limit_s": 1.0, "num_workers": 2, "random_seed": 0, "presolve": True, "proof_s": 1.0,
        "proof_subsolvers": ["no_lp", "default_lp"]}
    assert result["parameters"]["source"] in ("construction", "local_search", "cp_sat", "lns")
    assert result["parameters"]["local_search"]["evaluated"] > 0
    assert all(item["why"] for item in result["items"])


def write(tmp_path, data) -> str:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return str(path)


def scenario(**task_fields):
    task = {"id": "t1", "name": "Oil", "work_order": "w1", "duration_minutes": 30, "skill": "general", **task_fields}
    return {"horizon": {"start": "2026-11-30T08:00:00Z", "length_minutes": 600},
            "technicians": [{"id": "ana", "name": "Ana", "skills": ["general"]}],
            "bays": [], "work_orders": [{"id": "w1", "due_at": "2026-11-30T12:00:00Z", "priority": 2}],
            "tasks": [{"id": f"t{i}", "name": "x", "work_order": "w1", "duration_minutes": 10} for i in (5, 6, 7)]
            + [task]}


@pytest.mark.parametrize("data,message", [
    (scenario(duration_minutes=0), "tasks[3].duration_minutes: must be > 0"),
    (scenario(duration_minutes="30"), "tasks[3].duration_minutes: must be of type integer"),
    (scenario(colour="red"), "tasks[3].colour: unknown field"),
    (scenario(work_order="w9"), "tasks[3].work_order: unknown work order 'w9'"),
    (scenario(depends_on=["nope"]), "tasks[3].depends_on[0]: unknown task 'nope'"),
    (scenario(parts_ready="tomorrow"), "tasks[3].parts_ready: 'tomorrow' is not an ISO 8601 date-time"),
    (scenario(lock={"start": "2026-13-01T00:00"}), "tasks[3].lock.start: '2026-13-01T00:00' is not an ISO"),
    (scenario(lock={"technician": "zed"}), "tasks[3].lock.technician: unknown technician 'zed'"),
    (scenario(id="t5"), "tasks[3].id: duplicate id 't5'"),
    ({**scenario(), "horizon": {"start": "2026-11-30T08:00:00Z"}},
     "horizon: give exactly one of end and length_minutes"),
    ({k: v for k, v in scenario().items() if k != "bays"}, "bays: is required"),
    ("{not json", "not JSON (line 1"),
])
def test_bad_scenario_files_name_the_field(tmp_path, capsys, data, message):
    path = write(tmp_path, data)
    assert main(["solve", path, "--time-limit", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"bayflow: {path}: ") and message in err


def test_missing_file_and_bad_options(tmp_path, capsys):
    assert main(["solve", str(tmp_path / "none.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["solve", write(tmp_path, scenario()), "--time-limit", "0"]) == 2
    assert "--time-limit: must be > 0" in capsys.readouterr().err


def test_generated_shop_has_the_realistic_ingredients():
    from scheduler.generate import generate
    from scheduler.problem import NO_ETA

    p = generate(200, 12, 8, seed=2)
    parts = [t.parts_ready for t in p.tasks]
    assert NO_ETA in parts and any(isinstance(x, int) and x > 0 for x in parts) and None in parts
    assert any(b.downtime for b in p.bays) and len({b.type for b in p.bays}) > 1
    assert len(set().union(*(t.skills for t in p.technicians))) >= 3
    assert all(w.length == 480 for t in p.technicians for w in t.availability if not t.time_off)
    assert {w.priority for w in p.work_orders} > {1} and all(w.due is not None for w in p.work_orders)
    assert any(len(t.predecessors) for t in p.tasks)
