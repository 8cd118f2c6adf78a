"use client";
// Ops: queues with counts and oldest age, failed (and waiting) jobs with retry or cancel, schedule
// runs with status, gap, unplaced work and time, webhook deliveries.
import { useCallback, useEffect, useState } from "react";
import Link from "next/link";
import { api, errorText, ok, type Schemas } from "@/lib/api";
import { useStaff } from "@/lib/session";
import { age, shopTime } from "@/lib/time";
import { ProblemBanner } from "@/components/ProblemBanner";

type QueueStats = Schemas["QueueStats"];
type Job = Schemas["Job"];
type ScheduleRun = Schemas["ScheduleRun"];
type Delivery = Schemas["Delivery"];

const REFRESH_MS = 3000;

interface Ops {
  queues: QueueStats[];
  failed: Job[];
  waiting: Job[];
  runs: ScheduleRun[];
  deliveries: Delivery[];
}

export default function OpsPage() {
  const me = useStaff();
  const [ops, setOps] = useState<Ops | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [timeZone, setTimeZone] = useState<string>("UTC");

  const load = useCallback(async () => {
    try {
      const now = Date.now();
      const [shop, queues, failed, waiting, runs, deliveries] = await Promise.all([
        // The board's smallest range: only for the shop's name and time zone.
        ok(api.GET("/v1/board", { params: { query: { from: new Date(now).toISOString(), to: new Date(now + 60000).toISOString() } } })),
        ok(api.GET("/v1/ops/queues")),
        ok(api.GET("/v1/ops/jobs", { params: { query: { status: "failed", limit: 50 } } })),
        ok(api.GET("/v1/ops/jobs", { params: { query: { status: "queued", limit: 50 } } })),
        ok(api.GET("/v1/schedule_runs", { params: { query: { limit: 20 } } })),
        ok(api.GET("/v1/webhooks/deliveries", { params: { query: { limit: 20 } } })),
      ]);
      setTimeZone(shop.shop.timezone);
      setOps({ queues, failed: failed.items, waiting: waiting.items, runs: runs.items, deliveries });
    } catch (e) {
      setProblem(errorText(e));
    }
  }, []);

  useEffect(() => {
    if (!me) return;
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, [me, load]);

  async function act(job: Job, action: "retry" | "cancel") {
    setProblem(null);
    try {
      const path = { job_id: job.id };
      if (action === "retry") await ok(api.POST("/v1/ops/jobs/{job_id}/retry", { params: { path } }));
      else await ok(api.POST("/v1/ops/jobs/{job_id}/cancel", { params: { path } }));
      setNotice(`Job ${job.id} (${job.actor}): ${action === "retry" ? "queued again" : "cancelled"}`);
      await load();
    } catch (e) {
      setProblem(errorText(e));
    }
  }

  if (!me) return <p className="loading">Signing in…</p>;
  return (
    <main className="ops">
      <header className="toolbar">
        <strong className="brand">bayflow ops</strong>
        <Link href="/">Board</Link>
        <span className="muted">times in {timeZone}</span>
        <span className="muted">{me.display_name}</span>
      </header>
      <ProblemBanner text={problem} onClose={() => setProblem(null)} />
      {notice && <div className="notice" role="status" data-testid="notice">{notice}</div>}
      {ops && (
        <>
          <section aria-labelledby="queues">
            <h2 id="queues">Queues</h2>
            <table data-testid="queues">
              <thead><tr><th>Queue</th><th>Ready</th><th>Queued</th><th>Running</th><th>Failed</th><th>Oldest ready</th><th>Done / min</th></tr></thead>
              <tbody>
                {ops.queues.map((q) => (
                  <tr key={q.queue}>
                    <td>{q.queue}</td><td>{q.ready}</td><td>{q.queued}</td><td>{q.running}</td><td>{q.failed}</td>
                    <td>{age(q.oldest_ready_age_s)}</td><td>{q.processed_last_minute}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section aria-labelledby="failed">
            <h2 id="failed">Failed jobs ({ops.failed.length})</h2>
            <table data-testid="failed-jobs">
              <thead><tr><th>Job</th><th>Actor</th><th>Attempts</th><th>Error</th><th>Finished</th><th /></tr></thead>
              <tbody>
                {ops.failed.map((j) => (
                  <tr key={j.id} data-job-id={j.id}>
                    <td>{j.id}</td><td>{j.actor}</td><td>{j.attempts}/{j.max_attempts}</td>
                    <td className="error-text">{j.last_error}</td><td>{shopTime(timeZone, j.finished_at)}</td>
                    <td><button type="button" onClick={() => act(j, "retry")}>Retry</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3>Waiting jobs ({ops.waiting.length})</h3>
            <table data-testid="waiting-jobs">
              <thead><tr><th>Job</th><th>Actor</th><th>Attempts</th><th>Last error</th><th>Runs at</th><th /></tr></thead>
              <tbody>
                {ops.waiting.map((j) => (
                  <tr key={j.id} data-job-id={j.id}>
                    <td>{j.id}</td><td>{j.actor}</td><td>{j.attempts}/{j.max_attempts}</td>
                    <td className="error-text">{j.last_error ?? "—"}</td><td>{shopTime(timeZone, j.run_at)}</td>
                    <td><button type="button" onClick={() => act(j, "cancel")}>Cancel</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section aria-labelledby="runs">
            <h2 id="runs">Schedule runs</h2>
            <table data-testid="schedule-runs">
              <thead><tr><th>Created</th><th>Status</th><th>Trigger</th><th>Gap</th><th>Unplaced</th><th>Late work orders</th><th>Solve time</th></tr></thead>
              <tbody>
                {ops.runs.map((r) => (
                  <tr key={r.id}>
                    <td>{shopTime(timeZone, r.created_at)}</td><td>{r.status}</td><td>{r.triggered_by}</td>
                    <td>{r.gap != null ? `${(r.gap * 100).toFixed(1)}%` : "—"}</td>
                    <td>{r.diagnoses.length}</td>
                    <td>{Object.values(r.lateness_minutes).filter((m) => m > 0).length}</td>
                    <td>{r.solve_seconds.toFixed(1)} s</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section aria-labelledby="deliveries">
            <h2 id="deliveries">Webhook deliveries</h2>
            <table data-testid="deliveries">
              <thead><tr><th>Created</th><th>Event</th><th>Status</th><th>Attempts</th><th>HTTP</th><th>Last error</th></tr></thead>
              <tbody>
                {ops.deliveries.map((d) => (
                  <tr key={d.id}>
                    <td>{shopTime(timeZone, d.created_at)}</td><td>{d.event_type}</td><td>{d.status}</td><td>{d.attempts}</td>
                    <td>{d.last_status_code ?? "—"}</td><td className="error-text">{d.last_error ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </main>
  );
}
