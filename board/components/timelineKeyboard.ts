"use client";
// The timeline's keyboard: one tab stop (the timeline, handing its focus to a task block), the
// arrow keys between blocks (roving focus: left/right along a row, up/down to the nearest block of
// the next row), Enter or Space explains the focused block, and M picks a new slot for it with the
// arrows (15 minutes, an hour with Shift, another row up or down), the what-if answering each slot
// as it does under a drag; Enter moves the task there, Escape leaves it where it is.
import { useMemo, useRef, useState, type FocusEvent, type KeyboardEvent, type RefObject } from "react";
import type { Block, Row, Slot } from "./Timeline";

const STEP_MS = 15 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
/** The id of the block drawn at the slot a keyboard move is on. */
export const KEYBOARD_SLOT = "keyboard-slot";

/** What the keyboard needs of vis-timeline. */
export interface KeyboardTimeline {
  getWindow(): { start: Date; end: Date };
  focus(id: string, options: { zoom: boolean; animation: boolean }): void;
  setSelection(ids: string[]): void;
}

export interface KeyboardActions {
  /** Enter or Space on a block. */
  onActivate: (taskId: string) => void;
  /** The slot a keyboard move is on (null when it ends), and where its answer is best shown. */
  onDragging: (slot: Slot | null, at?: { x: number; y: number }) => void;
  onDrop: (slot: Slot) => Promise<boolean>;
}

interface Moving {
  slot: Slot;
  duration: number;
}

interface SlotBlock {
  id: string;
  group: string;
  start: number;
  end: number;
  content: string;
  className: string;
}

export interface TimelineKeyboard {
  /** The timeline's own tab stop: in the tab order until a block has the focus. */
  tabIndex: number;
  onKeyDown: (event: KeyboardEvent<HTMLElement>) => void;
  onFocus: (event: FocusEvent<HTMLElement>) => void;
  onBlur: (event: FocusEvent<HTMLElement>) => void;
  /** A block selected otherwise (a click, Find): tabbing into the timeline lands on it. */
  remember: (taskId: string | null) => void;
  /** After vis-timeline redrew: focus a block that was waiting to be drawn, or got redrawn under the focus. */
  afterRedraw: () => void;
}

export function useTimelineKeyboard(
  container: RefObject<HTMLDivElement | null>,
  timeline: RefObject<KeyboardTimeline | null>,
  items: { update(block: SlotBlock): unknown; remove(id: string): unknown },
  rows: Row[],
  blocks: Block[],
  actions: RefObject<KeyboardActions>,
): TimelineKeyboard {
  // A block has the focus: the timeline leaves the tab order (else Shift+Tab would land on it and
  // hand the focus straight back), and a block redrawn under the focus gets it back.
  const [inside, setInside] = useState(false);
  const insideRef = useRef(false);
  const focused = useRef<string | null>(null);
  const waiting = useRef<string | null>(null);
  const moving = useRef<Moving | null>(null);
  const index = useMemo(() => {
    const byRow = new Map<string, Block[]>();
    const byId = new Map<string, Block>();
    for (const b of blocks) {
      if (b.type === "background") continue;
      byId.set(b.id, b);
      const row = byRow.get(b.group) ?? [];
      row.push(b);
      byRow.set(b.group, row);
    }
    for (const row of byRow.values()) row.sort((a, b) => a.start - b.start || a.end - b.end);
    return { byRow, byId, rowIds: rows.map((r) => r.id) };
  }, [rows, blocks]);
  const latest = useRef(index);
  latest.current = index;

  const element = (id: string) => container.current?.querySelector<HTMLElement>(`.vis-item.task-${id}`) ?? null;

  function shown(block: Block, el: HTMLElement | null): boolean {
    const t = timeline.current;
    const panel = container.current?.querySelector(".vis-panel.vis-center")?.getBoundingClientRect();
    if (!t || !el || !panel) return false;
    const { start, end } = t.getWindow();
    const box = el.getBoundingClientRect();
    return block.start >= start.getTime() && block.start < end.getTime() && box.top >= panel.top && box.bottom <= panel.bottom;
  }

  function focusBlock(id: string): void {
    const block = latest.current.byId.get(id);
    if (!block) return;
    focused.current = id;
    const el = element(id);
    if (!shown(block, el)) {
      // Bring it into view first (it may not be drawn yet); it gets the focus once drawn.
      waiting.current = id;
      timeline.current?.focus(id, { zoom: false, animation: false });
    }
    if (el) focusElement(el, block);
  }

  function focusElement(el: HTMLElement, block: Block): void {
    el.tabIndex = -1;
    el.setAttribute("role", "button");
    el.setAttribute("aria-label", block.title ?? block.id);
    // vis-timeline positions its panels itself: the browser must not scroll them to the focus.
    el.focus({ preventScroll: true });
    if (waiting.current === block.id) waiting.current = null;
  }

  /** The block the arrow key leads to from `from`, or null at the edge. */
  function neighbour(from: Block, key: string): Block | null {
    const { byRow, rowIds } = latest.current;
    const row = byRow.get(from.group) ?? [];
    const at = row.findIndex((b) => b.id === from.id);
    if (key === "ArrowLeft") return row[at - 1] ?? null;
    if (key === "ArrowRight") return row[at + 1] ?? null;
    if (key === "Home") return row[0] ?? null;
    if (key === "End") return row[row.length - 1] ?? null;
    const step = key === "ArrowUp" ? -1 : 1;
    for (let r = rowIds.indexOf(from.group) + step; r >= 0 && r < rowIds.length; r += step) {
      const candidates = byRow.get(rowIds[r] as string);
      if (!candidates?.length) continue;
      return candidates.reduce((best, b) => (Math.abs(b.start - from.start) < Math.abs(best.start - from.start) ? b : best));
    }
    return null;
  }

  function showSlot(m: Moving): void {
    const block: SlotBlock = {
      id: KEYBOARD_SLOT, group: m.slot.group, start: m.slot.start, end: m.slot.start + m.duration,
      content: "⇢ move here", className: "keyboard-slot",
    };
    items.update(block);
    const el = element(m.slot.taskId);
    const box = el?.getBoundingClientRect();
    actions.current?.onDragging(m.slot, box ? { x: box.left, y: box.bottom } : undefined);
  }

  function endMove(): void {
    moving.current = null;
    items.remove(KEYBOARD_SLOT);
    actions.current?.onDragging(null);
  }

  function moveKey(event: KeyboardEvent<HTMLElement>, m: Moving): void {
    const { rowIds } = latest.current;
    const { slot } = m;
    let next: Slot | null = null;
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      const by = (event.shiftKey ? HOUR_MS : STEP_MS) * (event.key === "ArrowLeft" ? -1 : 1);
      next = { ...slot, start: slot.start + by };
    } else if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      const row = rowIds[rowIds.indexOf(slot.group) + (event.key === "ArrowUp" ? -1 : 1)];
      if (row) next = { ...slot, group: row };
    } else if (event.key === "Escape") {
      endMove();
    } else if (event.key === "Enter" || event.key === " ") {
      const target = slot;
      endMove();
      waiting.current = target.taskId;
      void actions.current?.onDrop(target);
    } else {
      return;
    }
    event.preventDefault();
    if (next) {
      moving.current = { ...m, slot: next };
      showSlot(moving.current);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLElement>): void {
    if (moving.current) return moveKey(event, moving.current);
    const id = focused.current;
    const block = id ? latest.current.byId.get(id) : undefined;
    if (!block || event.target === container.current) return;
    if (["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"].includes(event.key)) {
      event.preventDefault();
      const next = neighbour(block, event.key);
      if (next) focusBlock(next.id);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      timeline.current?.setSelection([block.id]);
      actions.current?.onActivate(block.id);
    } else if ((event.key === "m" || event.key === "M") && block.editable) {
      event.preventDefault();
      moving.current = { slot: { taskId: block.id, group: block.group, start: block.start }, duration: block.end - block.start };
      showSlot(moving.current);
    }
  }

  function onFocus(event: FocusEvent<HTMLElement>): void {
    insideRef.current = true;
    setInside(true);
    if (event.target !== container.current) return;
    // Tabbing in: the block last focused, else the first one in view.
    const { byId, byRow, rowIds } = latest.current;
    const t = timeline.current;
    let id = focused.current && byId.has(focused.current) ? focused.current : null;
    if (!id && t) {
      const { start, end } = t.getWindow();
      for (const row of rowIds) {
        const first = byRow.get(row)?.find((b) => b.end > start.getTime() && b.start < end.getTime());
        if (first) {
          id = first.id;
          break;
        }
      }
    }
    if (id) focusBlock(id);
  }

  function onBlur(event: FocusEvent<HTMLElement>): void {
    const to = event.relatedTarget as Node | null;
    if (to && container.current?.contains(to)) return;
    const from = event.target;
    const leave = () => {
      if (moving.current) endMove();
      insideRef.current = false;
      setInside(false);
    };
    if (to) return leave();
    // Nowhere: a click outside, or vis-timeline redrawing the block away (it is back after the redraw).
    setTimeout(() => {
      if (from.isConnected && document.activeElement !== from) leave();
    }, 0);
  }

  function afterRedraw(): void {
    // Chromium fires no blur when it removes the focused element: the focus is then on the body.
    const lost = insideRef.current && document.activeElement === document.body;
    const id = waiting.current ?? (lost ? focused.current : null);
    if (!id) return;
    const el = element(id);
    const block = latest.current.byId.get(id);
    if (el && block) focusElement(el, block);
  }

  function remember(taskId: string | null): void {
    if (taskId) focused.current = taskId;
  }

  return { tabIndex: inside ? -1 : 0, onKeyDown, onFocus, onBlur, afterRedraw, remember };
}
