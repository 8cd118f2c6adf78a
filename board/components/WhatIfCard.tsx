"use client";
// The what-if answer for the slot under the cursor: feasible or what breaks, what would be pushed,
// how lateness changes; shown beside the cursor while dragging.
import { useEffect, useState } from "react";
import type { WhatIf } from "@/lib/board";
import type { Slot } from "./Timeline";
import { duration, shopTime } from "@/lib/time";

interface Props {
  slot: Slot;
  result: WhatIf | null;
  problem: string | null;
  /** The cursor is over a slot not answered yet: the answer shown is the previous slot's. */
  checking: boolean;
  timeZone: string;
  /** Where to show the card (a slot picked with the keyboard); else beside the pointer. */
  at?: { x: number; y: number };
}

/** The pointer's position, followed here so that a drag re-renders only this card. */
function usePointer(): { x: number; y: number } {
  const [at, setAt] = useState({ x: -1000, y: -1000 });
  useEffect(() => {
    const track = (e: PointerEvent) => setAt({ x: e.clientX, y: e.clientY });
    window.addEventListener("pointermove", track);
    return () => window.removeEventListener("pointermove", track);
  }, []);
  return at;
}

export function WhatIfCard({ slot, result, problem, checking, timeZone, at }: Props) {
  const pointer = usePointer();
  const style = at ? { left: at.x, top: at.y + 6 } : { left: pointer.x + 18, top: pointer.y + 18 };
  // Which slot the card is about, for tests and tools: its row and start; data-checking while unanswered.
  const state = { "data-row": slot.group, "data-start": new Date(slot.start).toISOString(), ...(checking ? { "data-checking": "" } : {}) };
  if (problem) {
    return (
      <div className="whatif infeasible" style={style} role="status" data-testid="whatif" {...state}>
        <strong>Cannot check this slot</strong>
        <p>{problem}</p>
      </div>
    );
  }
  if (!result) {
    return (
      <div className="whatif" style={style} role="status" data-testid="whatif" {...state}>
        Checking…
      </div>
    );
  }
  const worse = result.lateness.filter((l) => l.after_minutes !== l.before_minutes);
  return (
    <div className={`whatif ${result.feasible ? "feasible" : "infeasible"}${checking ? " checking" : ""}`} style={style} role="status" data-testid="whatif" {...state}>
      <strong data-testid="whatif-verdict">{result.feasible ? "Feasible" : "Not feasible"}</strong>
      {checking && <span className="muted"> · checking this slot…</span>}
      {result.violations.length > 0 && (
        <ul className="violations">
          {result.violations.map((v, i) => (
            <li key={i}>{v.message}</li>
          ))}
        </ul>
      )}
      {result.pushed.length > 0 && (
        <>
          <div className="muted">Would push</div>
          <ul>
            {result.pushed.slice(0, 6).map((p) => (
              <li key={p.task_id}>
                {p.task_name}: {shopTime(timeZone, p.from_start)} → {p.to_start ? `${shopTime(timeZone, p.to_start)} (+${duration(p.minutes ?? 0)})` : "out of the horizon"}
              </li>
            ))}
            {result.pushed.length > 6 && <li>and {result.pushed.length - 6} more</li>}
          </ul>
        </>
      )}
      {worse.length > 0 && (
        <ul>
          {worse.map((l) => (
            <li key={l.work_order_id}>
              WO #{l.work_order_number}: late {duration(l.before_minutes)} → {duration(l.after_minutes)}
            </li>
          ))}
        </ul>
      )}
      {!result.feasible && result.nearest.length > 0 && (
        <div className="muted">Nearest feasible slots are highlighted in green.</div>
      )}
    </div>
  );
}
