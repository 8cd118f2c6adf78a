"use client";
// The work orders that need the dispatcher: plans to review, unscheduled or at-risk work with its
// reasons (an unscheduled task can be dragged onto the board), and work still in the pipeline.
import { useState } from "react";
import { useDraggable } from "@dnd-kit/core";
import type { Schemas } from "@/lib/api";
import type { BoardTask, BoardWorkOrder } from "@/lib/board";
import { duration, shopTime } from "@/lib/time";
import { PlanEditor } from "./PlanEditor";

type WorkOrder = Schemas["WorkOrder"];
type PipelineRun = Schemas["PipelineRun"];

export interface Unscheduled {
  task: BoardTask;
  number: number | null;
  reasons: string[];
}

interface Props {
  review: WorkOrder[];
  unscheduled: Unscheduled[];
  atRisk: BoardWorkOrder[];
  inPipeline: { workOrder: WorkOrder; run: PipelineRun | null }[];
  timeZone: string;
  skills: string[];
  bayTypes: string[];
  onOpen: (workOrderId: string) => void;
  onPlanApproved: () => void;
}

function DraggableTask({ item }: { item: Unscheduled }) {
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({ id: `queue-task:${item.task.id}` });
  return (
    <li ref={setNodeRef} {...listeners} {...attributes} className={`queue-task${isDragging ? " dragging" : ""}`}
        data-task-id={item.task.id} aria-label={`Unscheduled task ${item.task.name}; drag onto the board to place it`}>
      <strong>{item.number != null ? `#${item.number} ` : ""}{item.task.name}</strong>
      <span className="muted"> {duration(item.task.duration_minutes)}{item.task.required_skill ? ` · ${item.task.required_skill}` : ""}</span>
      {item.reasons.length > 0 && (
        <ul className="reasons">{item.reasons.map((r, i) => <li key={i}>{r}</li>)}</ul>
      )}
    </li>
  );
}

export function Queue({ review, unscheduled, atRisk, inPipeline, timeZone, skills, bayTypes, onOpen, onPlanApproved }: Props) {
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <aside className="queue" aria-label="Queue">
      <section data-testid="queue-review">
        <h2>Needs review <span className="count">{review.length}</span></h2>
        {review.length === 0 && <p className="muted">Nothing to review.</p>}
        <ul>
          {review.map((wo) => (
            <li key={wo.id} className="queue-wo" data-work-order-id={wo.id}>
              <button type="button" className="link" onClick={() => onOpen(wo.id)}>#{wo.number}</button>{" "}
              {wo.description.slice(0, 80)}
              {Array.isArray(wo.review_reasons) && (
                <ul className="reasons">{(wo.review_reasons as unknown[]).map((r, i) => <li key={i}>{String(r)}</li>)}</ul>
              )}
              {editing === wo.id ? (
                <PlanEditor workOrderId={wo.id} skills={skills} bayTypes={bayTypes}
                            onApproved={() => { setEditing(null); onPlanApproved(); }} />
              ) : (
                <button type="button" onClick={() => setEditing(wo.id)}>Edit plan</button>
              )}
            </li>
          ))}
        </ul>
      </section>
      <section data-testid="queue-unscheduled">
        <h2>Unscheduled <span className="count">{unscheduled.length}</span></h2>
        {unscheduled.length === 0 && <p className="muted">Every task is on the board.</p>}
        <ul>{unscheduled.map((u) => <DraggableTask key={u.task.id} item={u} />)}</ul>
      </section>
      <section data-testid="queue-at-risk">
        <h2>At risk <span className="count">{atRisk.length}</span></h2>
        <ul>
          {atRisk.map((wo) => (
            <li key={wo.id}>
              <button type="button" className="link" onClick={() => onOpen(wo.id)}>#{wo.number}</button>{" "}
              <span className="late-flag">late {duration(wo.late_minutes ?? 0)}</span>
              {wo.due_at && <span className="muted"> · due {shopTime(timeZone, wo.due_at)}</span>}
            </li>
          ))}
        </ul>
      </section>
      <section data-testid="queue-pipeline">
        <h2>In the pipeline <span className="count">{inPipeline.length}</span></h2>
        <ul>
          {inPipeline.map(({ workOrder, run }) => (
            <li key={workOrder.id}>
              <button type="button" className="link" onClick={() => onOpen(workOrder.id)}>#{workOrder.number}</button>{" "}
              {workOrder.status}
              {run && <span className="muted"> · {run.step} {run.status}</span>}
            </li>
          ))}
        </ul>
      </section>
    </aside>
  );
}
