"use client";
// Follows a pipeline run (a re-optimization) until it ends: its step and status for the toolbar.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, errorText, ok, type Schemas } from "./api";

type PipelineRun = Schemas["PipelineRun"];
const POLL_MS = 500;

export interface RunProgress {
  run: PipelineRun | null;
  problem: string | null;
  startedAt: number;
}

/** `follow(id)` starts following a run; `onDone` is called once when it succeeds or fails. */
export function useRunProgress(onDone: () => void): [RunProgress | null, (id: string) => void] {
  const [progress, setProgress] = useState<RunProgress | null>(null);
  const following = useRef<string | null>(null);
  const done = useRef(onDone);
  done.current = onDone;

  const follow = useCallback((id: string) => {
    following.current = id;
    setProgress({ run: null, problem: null, startedAt: Date.now() });
  }, []);

  useEffect(() => {
    if (!progress || progress.problem || (progress.run && ["succeeded", "failed"].includes(progress.run.status))) return;
    const id = following.current;
    if (!id) return;
    const timer = setTimeout(async () => {
      try {
        const run = await ok(api.GET("/v1/pipeline_runs/{run_id}", { params: { path: { run_id: id } } }));
        if (following.current !== id) return;
        setProgress((p) => (p ? { ...p, run } : p));
        if (run.status === "succeeded" || run.status === "failed") done.current();
      } catch (e) {
        setProgress((p) => (p ? { ...p, problem: errorText(e) } : p));
      }
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [progress]);

  return [progress, follow];
}
