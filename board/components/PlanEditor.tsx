"use client";
// Edit a needs_review work order's task plan in place and approve it (`PUT /v1/work_orders/{id}/plan`).
import { useEffect, useState, type FormEvent } from "react";
import { api, errorText, ok, type Schemas } from "@/lib/api";
import { ProblemBanner } from "./ProblemBanner";

type PlanTask = Schemas["PlanTask"];

interface Row {
  key: string;
  name: string;
  duration_minutes: string;
  required_skill: string;
  required_bay_type: string;
  needs_parts: boolean;
  depends_on: string;
}

const blank = (n: number): Row => ({
  key: `t${n}`, name: "", duration_minutes: "60", required_skill: "", required_bay_type: "", needs_parts: false, depends_on: "",
});

interface Props {
  workOrderId: string;
  skills: string[];
  bayTypes: string[];
  onApproved: () => void;
}

export function PlanEditor({ workOrderId, skills, bayTypes, onApproved }: Props) {
  const [rows, setRows] = useState<Row[]>([blank(1)]);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    ok(api.GET("/v1/work_orders/{work_order_id}", { params: { path: { work_order_id: workOrderId } } }))
      .then((wo) => {
        const tasks = "tasks" in wo ? wo.tasks : [];
        if (tasks.length === 0) return;
        const keyOf = new Map(tasks.map((t, i) => [t.id, `t${i + 1}`]));
        setRows(
          tasks.map((t, i) => ({
            key: `t${i + 1}`,
            name: t.name,
            duration_minutes: String(t.duration_minutes),
            required_skill: t.required_skill ?? "",
            required_bay_type: t.required_bay_type ?? "",
            needs_parts: t.needs_parts,
            depends_on: t.depends_on.map((d) => keyOf.get(d) ?? "").filter(Boolean).join(", "),
          })),
        );
      })
      .catch((e) => setProblem(errorText(e)));
  }, [workOrderId]);

  const change = (i: number, patch: Partial<Row>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  async function approve(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    const tasks: PlanTask[] = rows.map((r) => ({
      key: r.key.trim(),
      name: r.name.trim(),
      duration_minutes: Number(r.duration_minutes),
      required_skill: r.required_skill || null,
      required_bay_type: r.required_bay_type || null,
      needs_parts: r.needs_parts,
      depends_on: r.depends_on.split(",").map((k) => k.trim()).filter(Boolean),
    }));
    try {
      await ok(api.PUT("/v1/work_orders/{work_order_id}/plan", { params: { path: { work_order_id: workOrderId } }, body: { tasks } }));
      onApproved();
    } catch (e) {
      setProblem(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="plan-editor" onSubmit={approve} aria-label="Task plan">
      <datalist id="skills">{skills.map((s) => <option key={s} value={s} />)}</datalist>
      <datalist id="bay-types">{bayTypes.map((s) => <option key={s} value={s} />)}</datalist>
      <table>
        <thead>
          <tr><th>Key</th><th>Task</th><th>Min</th><th>Skill</th><th>Bay type</th><th>Parts</th><th>After</th><th /></tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td><input aria-label="Key" value={r.key} onChange={(e) => change(i, { key: e.target.value })} size={3} /></td>
              <td><input aria-label="Task name" value={r.name} required onChange={(e) => change(i, { name: e.target.value })} /></td>
              <td><input aria-label="Duration in minutes" type="number" min={1} value={r.duration_minutes} onChange={(e) => change(i, { duration_minutes: e.target.value })} style={{ width: "4.5em" }} /></td>
              <td><input aria-label="Required skill" list="skills" value={r.required_skill} onChange={(e) => change(i, { required_skill: e.target.value })} size={9} /></td>
              <td><input aria-label="Required bay type" list="bay-types" value={r.required_bay_type} onChange={(e) => change(i, { required_bay_type: e.target.value })} size={7} /></td>
              <td><input aria-label="Needs parts" type="checkbox" checked={r.needs_parts} onChange={(e) => change(i, { needs_parts: e.target.checked })} /></td>
              <td><input aria-label="Depends on keys" value={r.depends_on} onChange={(e) => change(i, { depends_on: e.target.value })} size={5} placeholder="t1, t2" /></td>
              <td><button type="button" aria-label={`Remove task ${r.key}`} onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}>−</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <ProblemBanner text={problem} />
      <div className="row-buttons">
        <button type="button" onClick={() => setRows((rs) => [...rs, blank(rs.length + 1)])}>Add task</button>
        <button type="submit" className="primary" disabled={busy || rows.length === 0}>Approve plan</button>
      </div>
    </form>
  );
}
