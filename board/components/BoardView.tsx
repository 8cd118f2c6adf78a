"use client";
// The dispatcher's board: the week (or a day) per technician or per bay, the queue beside it,
// drag-drop moves with a what-if preview, live updates from the server's events, undo.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import dynamic from "next/dynamic";
import Link from "next/link";
import { DndContext, DragOverlay, PointerSensor, useDroppable, useSensor, useSensors, type DragEndEvent, type DragMoveEvent } from "@dnd-kit/core";
import { api, errorText, ok, type Schemas } from "@/lib/api";
import { isPlaced, lockedFields, locksFor, workOrderColour, type Board, type LockChoice, type LockField, type MoveResult, type RunDiff, type WhatIf } from "@/lib/board";
import { listen } from "@/lib/events";
import { signOut, type Me } from "@/lib/session";
import { duration, shopClock, shopMidnight, shopTime, viewWindow, zoneOffsetMinutes } from "@/lib/time";
import { useRunProgress } from "@/lib/useRunProgress";
import { ProblemBanner } from "./ProblemBanner";
import { Queue, type Unscheduled } from "./Queue";
import { SidePanel, type Tab } from "./SidePanel";
import type { Block, Row, Slot, TimelineHandle } from "./Timeline";
import { WhatIfCard } from "./WhatIfCard";

const Timeline = dynamic(() => import("./Timeline"), { ssr: false, loading: () => <div className="timeline">Loading the board…</div> });
// The timeline's code (vis-timeline, the largest chunk) is fetched while the board's data loads, not after.
if (typeof window !== "undefined") void import("./Timeline");

type WorkOrder = Schemas["WorkOrder"];
type PipelineRun = Schemas["PipelineRun"];
type Rows = "technician" | "bay";
type Zoom = "week" | "day";
type ColourBy = "work_order" | "status";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const RELOAD_DELAY_MS = 80;
const NO_BAY = "no-bay";

interface Placement {
  taskId: string;
  technicianId: string | null;
  bayId: string | null;
  start: string | null;
  locks: LockField[];
  version: number;
}

interface Preview {
  key: string;
  /** The slot under the cursor (its row and start). */
  slot: Slot;
  /** The slot the shown answer is for; differs from `key` while the new slot is being checked. */
  answered: string | null;
  taskId: string;
  result: WhatIf | null;
  problem: string | null;
  /** Where the answer is shown when the slot was picked with the keyboard (else beside the pointer). */
  at?: { x: number; y: number };
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export default function BoardView({ me }: { me: Me }) {
  const [board, setBoard] = useState<Board | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [rows, setRows] = useState<Rows>("technician");
  const [zoom, setZoom] = useState<Zoom>("week");
  const [colourBy, setColourBy] = useState<ColourBy>("work_order");
  const [lockChoice, setLockChoice] = useState<LockChoice>("both");
  const [anchor, setAnchor] = useState<number>(() => Date.now());
  // Bumped by every navigation: the timeline is brought back to the shown span even when the span is
  // the one already shown (the dispatcher may have scrolled, zoomed or found a block elsewhere).
  const [navigation, setNavigation] = useState(0);
  const [selected, setSelected] = useState<string | null>(null);
  const [openWorkOrder, setOpenWorkOrder] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>("details");
  const [preview, setPreview] = useState<Preview | null>(null);
  const [undo, setUndo] = useState<Placement[]>([]);
  const [live, setLive] = useState(false);
  const [liveProblem, setLiveProblem] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);
  const [review, setReview] = useState<WorkOrder[]>([]);
  const [pipeline, setPipeline] = useState<{ workOrder: WorkOrder; run: PipelineRun | null }[]>([]);
  const [queueDrag, setQueueDrag] = useState<string | null>(null);
  const timelineHandle = useRef<TimelineHandle>(null);
  const previewKey = useRef<string | null>(null);

  const timeZone = board?.shop.timezone ?? null;
  // Only the latest board request is shown: an earlier one (another span) may answer after it.
  const boardRequest = useRef(0);
  const loadBoard = useCallback(async () => {
    const request = ++boardRequest.current;
    try {
      // Before the first answer the shop's zone is unknown: a span holding its week wherever it is.
      const tz = board?.shop.timezone;
      const { start, end } = tz ? viewWindow(tz, anchor, 7) : { start: anchor - DAY_MS - 2 * HOUR_MS, end: anchor + 7 * DAY_MS + 2 * HOUR_MS };
      const next = await ok(api.GET("/v1/board", {
        params: { query: { from: new Date(start).toISOString(), to: new Date(end).toISOString() } },
      }));
      if (request !== boardRequest.current) return;
      setBoard(next);
      setRefresh((r) => r + 1);
    } catch (e) {
      if (request === boardRequest.current) setProblem(errorText(e));
    }
  }, [anchor, board?.shop.timezone]);

  const loadQueue = useCallback(async () => {
    try {
      const [needsReview, moving, runs] = await Promise.all([
        ok(api.GET("/v1/work_orders", { params: { query: { status: ["needs_review"], limit: 100 } } })),
        ok(api.GET("/v1/work_orders", { params: { query: { status: ["new", "planning", "planned"], limit: 100 } } })),
        ok(api.GET("/v1/pipeline_runs", { params: { query: { status: ["queued", "running"], limit: 100 } } })),
      ]);
      const runOf = new Map(runs.items.filter((r) => r.work_order_id).map((r) => [r.work_order_id as string, r]));
      setReview(needsReview.items as WorkOrder[]);
      setPipeline((moving.items as WorkOrder[]).map((wo) => ({ workOrder: wo, run: runOf.get(wo.id) ?? null })));
    } catch (e) {
      setProblem(errorText(e));
    }
  }, []);

  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const reload = useRef(() => {});
  reload.current = () => {
    if (reloadTimer.current) clearTimeout(reloadTimer.current);
    reloadTimer.current = setTimeout(() => {
      void loadBoard();
      void loadQueue();
    }, RELOAD_DELAY_MS);
  };

  useEffect(() => { void loadBoard(); }, [loadBoard]);
  useEffect(() => { void loadQueue(); }, [loadQueue]);
  useEffect(() => listen(() => reload.current(), (on, refused) => { setLive(on); setLiveProblem(refused ?? null); }), []);

  const [progress, follow] = useRunProgress(() => reload.current());

  // The latest run's diff: the queue's reasons for unplaced tasks, and the explain panel's "what moved".
  const latestRunId = board?.latest_run?.id ?? null;
  const [diff, setDiff] = useState<RunDiff | null>(null);
  useEffect(() => {
    if (!latestRunId) return setDiff(null);
    let live = true;
    ok(api.GET("/v1/schedule_runs/{run_id}/diff", { params: { path: { run_id: latestRunId } } }))
      .then((d) => { if (live) setDiff(d); }, (e) => { if (live) setProblem(errorText(e)); });
    return () => { live = false; };
  }, [latestRunId]);

  const technicians = useMemo(() => [...(board?.technicians ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [board]);
  const bays = useMemo(() => [...(board?.bays ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [board]);
  const workOrders = useMemo(() => new Map((board?.work_orders ?? []).map((w) => [w.id, w])), [board]);
  const tasks = useMemo(() => new Map((board?.tasks ?? []).map((t) => [t.id, t])), [board]);

  const timelineRows: Row[] = useMemo(() => {
    if (rows === "technician") {
      return technicians.map((t) => ({
        id: t.id,
        className: `row-${t.id}`,
        content: `<strong>${escape(t.name)}</strong><br><small>${escape(t.skills.join(", "))}</small>`,
      }));
    }
    return [
      ...bays.map((b) => ({ id: b.id, className: `row-${b.id}`, content: `<strong>${escape(b.name)}</strong><br><small>${escape(b.bay_type)}</small>` })),
      { id: NO_BAY, className: `row-${NO_BAY}`, content: "<strong>No bay</strong>" },
    ];
  }, [rows, technicians, bays]);

  const blocks: Block[] = useMemo(() => {
    if (!board || !timeZone) return [];
    const out: Block[] = [];
    const shade = (group: string, list: { start: string; end: string }[], kind: string) =>
      list.forEach((w, i) =>
        out.push({ id: `${kind}-${group}-${i}`, group, start: Date.parse(w.start), end: Date.parse(w.end), content: "", type: "background", className: kind }),
      );
    if (rows === "technician") {
      for (const t of board.technicians) {
        shade(t.id, t.shifts, "shift");
        shade(t.id, t.time_off, "off");
      }
    } else {
      for (const b of board.bays) shade(b.id, b.downtime, "down");
    }
    for (const task of board.tasks) {
      if (!isPlaced(task)) continue;
      const wo = workOrders.get(task.work_order_id);
      const late = (wo?.late_minutes ?? 0) > 0;
      const pins = lockedFields(task);
      const parts = task.needs_parts ? ` · parts ${task.parts_ready_at ? `ETA ${shopClock(timeZone, task.parts_ready_at)}` : "no ETA"}` : "";
      const head = `${pins.length ? "◉" : ""}${late ? "⚑" : ""}#${wo?.number ?? "?"}`;
      const title = [
        `#${wo?.number ?? "?"} ${task.name} (${task.status})`,
        `${shopTime(timeZone, task.planned_start)} – ${shopClock(timeZone, task.planned_end as string)}`,
        pins.length ? `locked: ${pins.join(", ")}` : "",
        task.needs_parts ? `parts ETA ${shopTime(timeZone, task.parts_ready_at)}` : "",
        late ? `work order late ${duration(wo?.late_minutes ?? 0)}` : "",
      ].filter(Boolean).join("\n");
      out.push({
        id: task.id,
        group: rows === "technician" ? (task.technician_id as string) : task.bay_id ?? NO_BAY,
        start: Date.parse(task.planned_start as string),
        end: Date.parse(task.planned_end as string),
        content: `<span class="head">${escape(head)}</span> ${escape(task.name)}${escape(parts)}`,
        title,
        className: `task task-${task.id} status-${task.status}${late ? " late" : ""}${pins.length ? " locked" : ""}`,
        style: colourBy === "work_order" && wo ? `background-color: ${workOrderColour(wo.number)}` : undefined,
        editable: task.status === "pending" || task.status === "scheduled",
      });
    }
    return out;
  }, [board, timeZone, rows, workOrders, colourBy]);

  // The nearest feasible slots of an infeasible what-if, apart from the blocks: a drag redraws only these.
  const nearest = preview?.result && !preview.result.feasible ? preview.result.nearest : null;
  const overlay: Block[] = useMemo(
    () => (nearest ?? []).map((n, i) => ({
      id: `nearest-${i}`, group: rows === "technician" ? n.technician_id : n.bay_id ?? NO_BAY,
      start: Date.parse(n.start), end: Date.parse(n.end), content: "", type: "background" as const, className: "nearest",
    })),
    [nearest, rows],
  );

  const range = useMemo(
    () => ({ ...(timeZone ? viewWindow(timeZone, anchor, zoom === "week" ? 7 : 1) : { start: 0, end: 1 }), navigation }),
    [timeZone, zoom, anchor, navigation],
  );

  // The shop's nights, hidden: from an hour after the latest shift or task ends to an hour before the earliest starts.
  const hidden = useMemo(() => {
    if (!board || !timeZone) return [];
    const minuteOfDay = (iso: string) => {
      const t = Date.parse(iso);
      return (((t + zoneOffsetMinutes(timeZone, t) * 60000) % DAY_MS) + DAY_MS) % DAY_MS / 60000;
    };
    const spans = [
      ...board.technicians.flatMap((t) => t.shifts),
      ...board.tasks.filter(isPlaced).map((t) => ({ start: t.planned_start as string, end: t.planned_end as string })),
    ];
    if (spans.length === 0 || spans.some((s) => Date.parse(s.end) - Date.parse(s.start) >= DAY_MS / 2)) return [];
    const open = Math.max(0, Math.floor(Math.min(...spans.map((s) => minuteOfDay(s.start))) / 60) - 1);
    const close = Math.min(24, Math.ceil(Math.max(...spans.map((s) => minuteOfDay(s.end) || 1440)) / 60) + 1);
    if (close - open >= 23) return [];
    const out = [];
    for (let d = -1; d <= 8; d++) {
      const midnight = shopMidnight(timeZone, range.start, d);
      out.push({ start: midnight + close * 3600000, end: shopMidnight(timeZone, midnight, 1) + open * 3600000 });
    }
    return out;
  }, [board, timeZone, range.start]);

  /** The move request's target for a slot: the row is a technician or a bay. */
  const target = useCallback(
    (slot: Slot) => (rows === "technician" ? { technician_id: slot.group } : { bay_id: slot.group === NO_BAY ? undefined : slot.group }),
    [rows],
  );

  // One what-if in flight at a time; while it runs, only the latest slot under the cursor waits.
  const whatIfBusy = useRef(false);
  const whatIfNext = useRef<Slot | null>(null);
  const sendWhatIf = useCallback(
    async (slot: Slot) => {
      const key = `${slot.taskId}|${slot.group}|${slot.start}`;
      whatIfBusy.current = true;
      try {
        const result = await ok(api.POST("/v1/schedule/what-if", {
          body: { task_id: slot.taskId, ...target(slot), start: new Date(slot.start).toISOString() },
        }));
        if (previewKey.current === key) setPreview((p) => ({ key, slot, at: p?.at, answered: key, taskId: slot.taskId, result, problem: null }));
      } catch (e) {
        if (previewKey.current === key) setPreview((p) => ({ key, slot, at: p?.at, answered: key, taskId: slot.taskId, result: null, problem: errorText(e) }));
      } finally {
        whatIfBusy.current = false;
      }
      const next = whatIfNext.current;
      whatIfNext.current = null;
      if (next) void sendWhatIf(next);
    },
    [target],
  );

  const askWhatIf = useCallback(
    (slot: Slot | null, at?: { x: number; y: number }) => {
      if (!slot) {
        previewKey.current = null;
        whatIfNext.current = null;
        setPreview(null);
        return;
      }
      const key = `${slot.taskId}|${slot.group}|${slot.start}`;
      if (key === previewKey.current) return;
      previewKey.current = key;
      setPreview((p) => (p && p.taskId === slot.taskId ? { ...p, key, slot, at } : { key, slot, at, answered: null, taskId: slot.taskId, result: null, problem: null }));
      if (whatIfBusy.current) whatIfNext.current = slot;
      else void sendWhatIf(slot);
    },
    [sendWhatIf],
  );

  /** Writes a move; true when the server took it. Refusals and stale writes are shown as they came. */
  const move = useCallback(
    async (slot: Slot, locks: LockField[], recordUndo: boolean): Promise<boolean> => {
      const task = tasks.get(slot.taskId);
      setProblem(null);
      try {
        const answer = await ok(api.POST("/v1/schedule/moves", {
          params: { header: task ? { "If-Match": `"${task.version}"` } : {} },
          body: { task_id: slot.taskId, ...target(slot), start: new Date(slot.start).toISOString(), lock: locks, force: false },
        }));
        if (recordUndo && task) {
          setUndo((u) => [...u, {
            taskId: task.id, technicianId: task.technician_id ?? null, bayId: task.bay_id ?? null,
            start: task.planned_start ?? null, locks: lockedFields(task), version: answer.task.version,
          }]);
        }
        setNotice(`Moved “${answer.task.name}” to ${shopTime(timeZone ?? "UTC", answer.task.planned_start)}; re-optimizing…`);
        if (answer.pipeline_run_id) follow(answer.pipeline_run_id);
        reload.current();
        return true;
      } catch (e) {
        setProblem(errorText(e));
        return false;
      }
    },
    [tasks, target, follow, timeZone],
  );

  const drop = useCallback(async (slot: Slot) => {
    askWhatIf(null);
    return move(slot, locksFor(lockChoice, rows), true);
  }, [askWhatIf, move, lockChoice, rows]);

  async function undoLast() {
    const last = undo[undo.length - 1];
    if (!last) return;
    setProblem(null);
    try {
      const answer = await ok(api.POST("/v1/schedule/moves", {
        body: {
          task_id: last.taskId, technician_id: last.technicianId ?? undefined, bay_id: last.bayId ?? undefined,
          start: last.start ?? undefined, lock: last.locks, force: true,
        },
      }));
      setUndo((u) => u.slice(0, -1));
      setNotice(`Put “${answer.task.name}” back`);
      if (answer.pipeline_run_id) follow(answer.pipeline_run_id);
      reload.current();
    } catch (e) {
      setProblem(errorText(e));
    }
  }

  async function reoptimize() {
    setProblem(null);
    try {
      const answer = await ok(api.POST("/v1/schedule_runs", { body: { scope: "full" } }));
      follow(answer.pipeline_run_id);
    } catch (e) {
      setProblem(errorText(e));
    }
  }

  // Dragging from the queue: the slot under the pointer, through the timeline.
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 4 } }));
  const pointer = (event: DragMoveEvent | DragEndEvent) => {
    const start = event.activatorEvent as PointerEvent;
    return { x: start.clientX + event.delta.x, y: start.clientY + event.delta.y };
  };
  const queueSlot = (event: DragMoveEvent | DragEndEvent): Slot | null => {
    const at = pointer(event);
    const hit = timelineHandle.current?.slotAt(at.x, at.y);
    const taskId = String(event.active.id).replace("queue-task:", "");
    return hit ? { taskId, ...hit } : null;
  };
  const onQueueDragMove = (event: DragMoveEvent) => askWhatIf(queueSlot(event));
  const onQueueDragEnd = (event: DragEndEvent) => {
    const slot = queueSlot(event);
    setQueueDrag(null);
    askWhatIf(null);
    if (slot) void move(slot, locksFor(lockChoice, rows), false);
  };

  const unscheduled: Unscheduled[] = useMemo(() => {
    if (!board) return [];
    const reasons = new Map((diff?.unplaced ?? []).map((u) => [u.task_id, u.why]));
    return board.tasks
      .filter((t) => !isPlaced(t) && (t.status === "pending" || t.status === "scheduled"))
      .map((t) => ({ task: t, number: t.work_order_number, reasons: reasons.get(t.id) ?? [] }));
  }, [board, diff]);
  const atRisk = useMemo(() => (board?.work_orders ?? []).filter((w) => (w.late_minutes ?? 0) > 0), [board]);
  const skills = useMemo(() => [...new Set(technicians.flatMap((t) => t.skills))].sort(), [technicians]);
  const bayTypes = useMemo(() => [...new Set(bays.map((b) => b.bay_type))].sort(), [bays]);

  const selectedTask = selected ? tasks.get(selected) ?? null : null;
  // The keyboard's way to a block: its work order number and name, to select it and bring it into view.
  const taskByLabel = useMemo(
    () => new Map((board?.tasks ?? []).filter(isPlaced).map((t) => [`#${t.work_order_number} ${t.name}`, t.id])),
    [board],
  );
  const days = zoom === "week" ? 7 : 1;
  const go = (to: (anchor: number) => number) => {
    setAnchor(to);
    setNavigation((n) => n + 1);
  };
  const runState = progress?.run ? `${progress.run.step} ${progress.run.status}` : "queued";
  const running = progress && !progress.problem && !(progress.run && ["succeeded", "failed"].includes(progress.run.status));

  return (
    <DndContext sensors={sensors} onDragStart={(e) => setQueueDrag(String(e.active.id))} onDragMove={onQueueDragMove} onDragEnd={onQueueDragEnd}
                onDragCancel={() => { setQueueDrag(null); askWhatIf(null); }}>
      <div className="app">
        <header className="toolbar">
          <strong className="brand">bayflow</strong>
          <span className="muted">{board?.shop.name}</span>
          <nav aria-label="Week">
            <button type="button" onClick={() => timeZone && go((a) => shopMidnight(timeZone, a, -days))} aria-label="Earlier">‹</button>
            <button type="button" onClick={() => go(() => Date.now())}>Today</button>
            <button type="button" onClick={() => timeZone && go((a) => shopMidnight(timeZone, a, days))} aria-label="Later">›</button>
            <span className="range" data-testid="range">{timeZone ? `${shopTime(timeZone, new Date(range.start).toISOString()).slice(0, 9)} (${timeZone})` : ""}</span>
          </nav>
          <fieldset className="switch">
            <legend>Rows</legend>
            <label><input type="radio" name="rows" checked={rows === "technician"} onChange={() => setRows("technician")} /> Technicians</label>
            <label><input type="radio" name="rows" checked={rows === "bay"} onChange={() => setRows("bay")} /> Bays</label>
          </fieldset>
          <fieldset className="switch">
            <legend>Zoom</legend>
            <label><input type="radio" name="zoom" checked={zoom === "week"} onChange={() => setZoom("week")} /> Week</label>
            <label><input type="radio" name="zoom" checked={zoom === "day"} onChange={() => setZoom("day")} /> Day</label>
          </fieldset>
          <fieldset className="switch">
            <legend>Colour</legend>
            <label><input type="radio" name="colour" checked={colourBy === "work_order"} onChange={() => setColourBy("work_order")} /> Work order</label>
            <label><input type="radio" name="colour" checked={colourBy === "status"} onChange={() => setColourBy("status")} /> Status</label>
          </fieldset>
          <fieldset className="switch" data-testid="locks">
            <legend>Lock on drop</legend>
            <label><input type="radio" name="lock" value="both" checked={lockChoice === "both"} onChange={() => setLockChoice("both")} /> Both</label>
            <label><input type="radio" name="lock" value="start" checked={lockChoice === "start"} onChange={() => setLockChoice("start")} /> Time</label>
            <label><input type="radio" name="lock" value="technician" checked={lockChoice === "technician"} onChange={() => setLockChoice("technician")} /> {rows === "bay" ? "Bay" : "Technician"}</label>
          </fieldset>
          <button type="button" onClick={undoLast} disabled={undo.length === 0}>Undo</button>
          <button type="button" className="primary" onClick={reoptimize} disabled={Boolean(running)}>Re-optimize now</button>
          <span className="progress" role="status" data-testid="progress">
            {progress && (progress.problem ?? (running ? `Re-optimizing: ${runState}…` : `Last run ${progress.run?.status}`))}
          </span>
          <span className={`live ${live ? "on" : "off"}`} data-testid="live" title="Server events">{live ? "● live" : `○ offline${liveProblem ? `: ${liveProblem}` : ""}`}</span>
          <label className="find">
            <span className="muted">Find</span>{" "}
            <input list="board-tasks" placeholder="#12 task…" aria-label="Find a task on the board" onChange={(e) => {
              const id = taskByLabel.get(e.target.value);
              if (!id) return;
              setSelected(id);
              setOpenWorkOrder(tasks.get(id)?.work_order_id ?? null);
              timelineHandle.current?.select(id);
              e.target.value = "";
            }} />
            <datalist id="board-tasks">{[...taskByLabel.keys()].map((label) => <option key={label} value={label} />)}</datalist>
          </label>
          <Link href="/ops/">Ops</Link>
          <span className="muted">{me.display_name}</span>
          <button type="button" onClick={signOut}>Sign out</button>
        </header>
        <ProblemBanner text={problem} onClose={() => setProblem(null)} />
        {notice && !problem && <div className="notice" role="status" data-testid="notice">{notice}</div>}
        <div className="columns">
          {timeZone && (
            <Queue review={review} unscheduled={unscheduled} atRisk={atRisk} inPipeline={pipeline} timeZone={timeZone}
                   skills={skills} bayTypes={bayTypes}
                   onOpen={(id) => { setOpenWorkOrder(id); setSelected(null); setTab("details"); }}
                   onPlanApproved={() => { setNotice("Plan approved; scheduling…"); reload.current(); }} />
          )}
          <DropZone>
            {timeZone ? (
              <Timeline rows={timelineRows} blocks={blocks} overlay={overlay} window={range} hidden={hidden} timeZone={timeZone} handle={timelineHandle}
                        onSelect={(id) => { setSelected(id); setOpenWorkOrder(id ? tasks.get(id)?.work_order_id ?? null : null); }}
                        onActivate={(id) => { setSelected(id); setOpenWorkOrder(tasks.get(id)?.work_order_id ?? null); setTab("explain"); }}
                        onDragging={askWhatIf} onDrop={drop} />
            ) : (
              <div className="timeline">Loading the board…</div>
            )}
          </DropZone>
          {timeZone && (
            <SidePanel tab={tab} onTab={setTab} task={selectedTask} workOrderId={openWorkOrder} runId={latestRunId} diff={diff}
                       timeZone={timeZone} technicians={technicians} refresh={refresh}
                       onMove={async (taskId, technicianId, start) => {
                         await move({ taskId, group: rows === "technician" ? technicianId : selectedTask?.bay_id ?? NO_BAY, start }, locksFor(lockChoice, rows), true);
                       }} />
          )}
        </div>
        {preview && timeZone && <WhatIfCard slot={preview.slot} result={preview.result} problem={preview.problem} checking={preview.answered !== preview.key} timeZone={timeZone} at={preview.at} />}
        <DragOverlay>{queueDrag ? <div className="drag-ghost">{tasks.get(queueDrag.replace("queue-task:", ""))?.name}</div> : null}</DragOverlay>
      </div>
    </DndContext>
  );
}

function DropZone({ children }: { children: React.ReactNode }) {
  const { setNodeRef } = useDroppable({ id: "board" });
  return <main ref={setNodeRef} className="board" aria-label="Schedule">{children}</main>;
}
