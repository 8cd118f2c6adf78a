"use client";
// The selected task's work order in detail (tasks, dependencies, parts, vehicle, customer, pipeline
// history, audit trail), and the explain panel (the task's reasons, the run's objective, diff and
// unplaced tasks).
import { useEffect, useState, type FormEvent } from "react";
import { api, errorText, ok, type Schemas } from "@/lib/api";
import { lockedFields, type BoardTask, type RunDiff } from "@/lib/board";
import { duration, fromShopLocal, shopTime, toShopLocal } from "@/lib/time";
import { ProblemBanner } from "./ProblemBanner";

type WorkOrderDetail = Schemas["WorkOrderDetail"];
type PipelineRun = Schemas["PipelineRun"];
type AuditEntry = Schemas["AuditEntry"];
type ScheduleRunDetail = Schemas["ScheduleRunDetail"];

export type Tab = "details" | "explain";

interface Props {
  tab: Tab;
  onTab: (tab: Tab) => void;
  task: BoardTask | null;
  workOrderId: string | null;
  runId: string | null;
  diff: RunDiff | null;
  timeZone: string;
  technicians: { id: string; name: string }[];
  refresh: number;
  onMove: (taskId: string, technicianId: string, start: number) => Promise<void>;
}

function useLoad<T>(load: (() => Promise<T>) | null, deps: unknown[]): [T | null, string | null] {
  const [value, setValue] = useState<T | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    if (!load) {
      setValue(null);
      return;
    }
    load().then((v) => { if (live) { setValue(v); setProblem(null); } }, (e) => { if (live) setProblem(errorText(e)); });
    return () => { live = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return [value, problem];
}

function Details({ workOrderId, task, timeZone, technicians, refresh, onMove }: Props) {
  const [detail, problem] = useLoad<[WorkOrderDetail, PipelineRun[], AuditEntry[]] | null>(
    workOrderId
      ? async () => {
          const path = { work_order_id: workOrderId };
          const [wo, runs, audit] = await Promise.all([
            ok(api.GET("/v1/work_orders/{work_order_id}", { params: { path } })),
            ok(api.GET("/v1/work_orders/{work_order_id}/pipeline_runs", { params: { path } })),
            ok(api.GET("/v1/audit", { params: { query: { row_id: workOrderId, limit: 20 } } })),
          ]);
          return [wo as WorkOrderDetail, runs as PipelineRun[], audit.items];
        }
      : null,
    [workOrderId, refresh],
  );
  if (!workOrderId) return <p className="muted">Select a task on the board, or a work order in the queue.</p>;
  if (problem) return <ProblemBanner text={problem} />;
  if (!detail) return <p className="muted">Loading…</p>;
  const [wo, runs, audit] = detail;
  const names = new Map(wo.tasks.map((t) => [t.id, t.name]));
  const techName = new Map(technicians.map((t) => [t.id, t.name]));
  const vehicle = [wo.asset_year, wo.asset_make, wo.asset_model].filter(Boolean).join(" ") || wo.asset_kind;
  return (
    <div data-testid="details">
      <h2>WO #{wo.number} <span className={`status status-${wo.status}`}>{wo.status}</span></h2>
      <p>{wo.description}</p>
      <dl className="facts">
        <dt>Vehicle</dt><dd>{vehicle}{wo.plate ? ` · ${wo.plate}` : ""}{wo.vin ? ` · VIN ${wo.vin}` : ""}{wo.mileage != null ? ` · ${wo.mileage} mi` : ""}</dd>
        <dt>Customer</dt><dd>{[wo.customer_name, wo.customer_phone, wo.customer_email].filter(Boolean).join(" · ") || "—"}</dd>
        <dt>Due</dt><dd>{shopTime(timeZone, wo.due_at)} · priority {wo.priority}</dd>
      </dl>
      <h3>Tasks</h3>
      <table className="compact">
        <thead><tr><th>Task</th><th>When</th><th>Who</th><th>After</th><th>Parts</th></tr></thead>
        <tbody>
          {wo.tasks.map((t) => (
            <tr key={t.id} className={task?.id === t.id ? "selected" : ""}>
              <td>{t.name} <span className="muted">{duration(t.duration_minutes)} · {t.status}</span></td>
              <td>{shopTime(timeZone, t.planned_start)}</td>
              <td>{t.assigned_technician_id ? techName.get(t.assigned_technician_id) ?? "?" : "—"}</td>
              <td>{t.depends_on.map((d) => names.get(d) ?? "another work order's task").join(", ") || "—"}</td>
              <td>{t.needs_parts ? (t.parts_ready_at ? `ETA ${shopTime(timeZone, t.parts_ready_at)}` : "waiting, no ETA") : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {task && <MoveForm task={task} timeZone={timeZone} technicians={technicians} onMove={onMove} />}
      <h3>Pipeline history</h3>
      <ul className="history">
        {runs.map((r) => (
          <li key={r.id}>
            {shopTime(timeZone, r.created_at)} · {r.kind} · <strong>{r.status}</strong>
            {" "}({r.steps.map((s) => `${s.step} ${s.status}`).join(", ")}){r.error ? ` — ${r.error}` : ""}
          </li>
        ))}
      </ul>
      <h3>Audit trail</h3>
      <ul className="history" data-testid="audit">
        {audit.map((a) => (
          <li key={a.id}>
            {shopTime(timeZone, a.occurred_at)} · {a.actor} · {a.action} {a.table_name}
            {a.changed_keys?.length ? ` (${a.changed_keys.join(", ")})` : ""}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The keyboard way to move a task: technician and start, then the same move as a drop. */
function MoveForm({ task, timeZone, technicians, onMove }: { task: BoardTask; timeZone: string; technicians: { id: string; name: string }[]; onMove: Props["onMove"] }) {
  const [tech, setTech] = useState(task.technician_id ?? technicians[0]?.id ?? "");
  const [start, setStart] = useState(toShopLocal(timeZone, task.planned_start ? Date.parse(task.planned_start) : Date.now()));
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      await onMove(task.id, tech, fromShopLocal(timeZone, start));
    } finally {
      setBusy(false);
    }
  }
  const pins = lockedFields(task);
  return (
    <form className="move-form" onSubmit={submit} aria-label="Move task">
      <h3>Move “{task.name}” {pins.length > 0 && <span title={`locked: ${pins.join(", ")}`}>◉ locked: {pins.join(", ")}</span>}</h3>
      <label>Technician{" "}
        <select value={tech} onChange={(e) => setTech(e.target.value)}>
          {technicians.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
        </select>
      </label>{" "}
      <label>Start <input type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} step={900} /></label>{" "}
      <button type="submit" disabled={busy}>Move</button>
    </form>
  );
}

function Explain({ task, runId, diff, timeZone, refresh }: Props) {
  const [detail, problem] = useLoad<ScheduleRunDetail | null>(
    runId ? () => ok(api.GET("/v1/schedule_runs/{run_id}", { params: { path: { run_id: runId } } })) : null,
    [runId, refresh],
  );
  if (!runId) return <p className="muted">No schedule run yet.</p>;
  if (problem) return <ProblemBanner text={problem} />;
  if (!detail) return <p className="muted">Loading…</p>;
  const item = task ? detail.items.find((i) => i.task_id === task.id) : undefined;
  return (
    <div data-testid="explain">
      {task && (
        <section>
          <h2>Why “{task.name}” is here</h2>
          {item ? (
            <ul className="reasons" data-testid="why">{(item.why as unknown[]).map((w, i) => <li key={i}>{String(w)}</li>)}</ul>
          ) : (
            <p className="muted">This task is not in the latest run.</p>
          )}
        </section>
      )}
      <section>
        <h2>Run {shopTime(timeZone, detail.created_at)}</h2>
        <p>
          <strong>{detail.status}</strong> · {detail.triggered_by} · solved in {detail.solve_seconds.toFixed(1)} s
          {detail.gap != null ? ` · gap ${(detail.gap * 100).toFixed(1)}%` : ""}
          {detail.objective_value != null ? ` · objective ${detail.objective_value}` : ""}
        </p>
        <table className="compact" data-testid="objective">
          <tbody>
            {Object.entries(detail.objective_breakdown).map(([k, v]) => (
              <tr key={k}><th>{k}</th><td>{objectiveTerm(v)}</td></tr>
            ))}
          </tbody>
        </table>
      </section>
      {diff && (
        <section data-testid="diff">
          <h3>What moved since the previous plan ({diff.moved.length})</h3>
          <ul className="history">
            {diff.moved.map((m) => (
              <li key={m.task_id}>
                #{m.work_order_number} {m.task_name}: {shopTime(timeZone, m.from.starts_at)} → {shopTime(timeZone, m.to.starts_at)}
                {m.why.length > 0 && <ul className="reasons">{m.why.map((w, i) => <li key={i}>{w}</li>)}</ul>}
              </li>
            ))}
          </ul>
          {diff.newly_placed.length > 0 && <p>Newly placed: {diff.newly_placed.length} tasks</p>}
          <h3>Unplaced ({diff.unplaced.length})</h3>
          <ul className="history" data-testid="unplaced">
            {diff.unplaced.map((u) => (
              <li key={u.task_id}>#{u.work_order_number} {u.task_name}: {u.why.join("; ")}</li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

/** An objective term as `7350 × 10 = 73500` (value, weight, weighted), or as it came. */
function objectiveTerm(term: unknown): string {
  if (term && typeof term === "object" && "value" in term && "weight" in term && "weighted" in term) {
    const t = term as { value: unknown; weight: unknown; weighted: unknown };
    return `${t.value} × ${t.weight} = ${t.weighted}`;
  }
  return typeof term === "object" ? JSON.stringify(term) : String(term);
}

export function SidePanel(props: Props) {
  return (
    <aside className="side" aria-label="Details and explanation">
      <div role="tablist" className="tabs">
        <button role="tab" type="button" aria-selected={props.tab === "details"} onClick={() => props.onTab("details")}>Details</button>
        <button role="tab" type="button" aria-selected={props.tab === "explain"} onClick={() => props.onTab("explain")}>Explain</button>
      </div>
      <div role="tabpanel">{props.tab === "details" ? <Details {...props} /> : <Explain {...props} />}</div>
    </aside>
  );
}
