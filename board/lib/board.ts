// What the board shows, from `GET /v1/board?from&to`, and what it derives from it: the queue's
// groups and each task's look (colour, pin, late flag, parts ETA).
import type { Schemas } from "./api";

export type Board = Schemas["Board"];
export type BoardTask = Board["tasks"][number];
export type BoardWorkOrder = Board["work_orders"][number];
export type BoardTechnician = Board["technicians"][number];
export type BoardBay = Board["bays"][number];
export type RunDiff = Schemas["RunDiff"];
export type MoveResult = Schemas["MoveResult"];
export type WhatIf = Schemas["WhatIfResult"];
export type LockField = "start" | "technician" | "bay";

/** The lock choice a dispatcher makes before dropping: time, technician, or both (the default). */
export type LockChoice = "both" | "start" | "technician";

export function locksFor(choice: LockChoice, rows: "technician" | "bay"): LockField[] {
  const resource: LockField = rows === "bay" ? "bay" : "technician";
  if (choice === "start") return ["start"];
  if (choice === "technician") return [resource];
  return ["start", resource];
}

export function lockedFields(task: BoardTask): LockField[] {
  const out: LockField[] = [];
  if (task.lock_start) out.push("start");
  if (task.lock_technician) out.push("technician");
  if (task.lock_bay) out.push("bay");
  return out;
}

/** A stable, readable hue per work order number. */
export function workOrderColour(number: number): string {
  const hue = (number * 137.508) % 360;
  return `hsl(${hue.toFixed(0)} 55% 82%)`;
}

export function isPlaced(task: BoardTask): boolean {
  return Boolean(task.planned_start && task.planned_end && task.technician_id);
}
