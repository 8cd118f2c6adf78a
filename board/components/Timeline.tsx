"use client";
// vis-timeline as a React component (loaded in the browser only): rows are technicians or bays,
// blocks are tasks; dragging a block reports the slot under the cursor, dropping asks the page. The
// keyboard does the same from a focused block (./timelineKeyboard).
import { useEffect, useImperativeHandle, useRef, type Ref, type RefObject } from "react";
import * as vis from "vis-timeline/standalone";
import type { DataSet as DataSetClass } from "vis-data";
import type momentFn from "moment";
import "vis-timeline/styles/vis-timeline-graph2d.min.css";
import { zoneOffsetMinutes } from "@/lib/time";
import { useTimelineKeyboard, type KeyboardTimeline } from "./timelineKeyboard";

export interface Row {
  id: string;
  content: string;
  className?: string;
}

export interface Block {
  id: string;
  group: string;
  start: number;
  end: number;
  content: string;
  title?: string;
  className?: string;
  style?: string;
  type?: "range" | "background";
  /** Draggable (in time and between rows); never removable from the board. */
  editable?: boolean;
}

export interface Slot {
  taskId: string;
  group: string;
  start: number;
}

export interface TimelineHandle {
  /** The row and (snapped) time under a viewport point, or null outside the rows. */
  slotAt(x: number, y: number): { group: string; start: number } | null;
  /** Selects a block and scrolls it into view. */
  select(taskId: string): void;
}

interface Props {
  rows: Row[];
  blocks: Block[];
  /** Background spans drawn over the blocks (the what-if's nearest slots), updated apart from them. */
  overlay: Block[];
  /** The span shown; set again whenever `navigation` changes, even to the same span. */
  window: { start: number; end: number; navigation: number };
  /** Spans not drawn (the shop's nights), so that the working hours get the width. */
  hidden: { start: number; end: number }[];
  timeZone: string;
  onSelect: (taskId: string | null) => void;
  /** Enter or Space on a focused block. */
  onActivate: (taskId: string) => void;
  /** The slot under a drag (or picked with the keyboard, with where to show its answer); null when it ends. */
  onDragging: (slot: Slot | null, at?: { x: number; y: number }) => void;
  onDrop: (slot: Slot) => Promise<boolean>;
  handle?: Ref<TimelineHandle>;
}

// The standalone build bundles its own DataSet and moment; its typings do not re-export them.
const { Timeline: VisTimeline } = vis;
const { DataSet, moment } = vis as unknown as { DataSet: typeof DataSetClass; moment: typeof momentFn };
type VisTimeline = vis.Timeline;

const SNAP_MS = 15 * 60 * 1000;
// vis-timeline draws an item added inside the shown span at once, each with its own layout (1,000
// layouts for a week's board); items added while the span is elsewhere are drawn in one batch when
// it comes back. Past this many new or changed blocks, they are added with the span here.
const OFFSTAGE_OVER = 50;
const OFFSTAGE = { start: 0, end: 3_600_000 };

type VisBlock = Omit<Block, "editable"> & { editable?: { updateTime: boolean; updateGroup: boolean; remove: boolean } };

interface VisItem {
  id: string | number;
  group?: string | number;
  start: Date | number | string;
}

function sameBlock(a: Block | undefined, b: Block): boolean {
  return a !== undefined && a.group === b.group && a.start === b.start && a.end === b.end && a.content === b.content
    && a.title === b.title && a.className === b.className && a.style === b.style && a.type === b.type && a.editable === b.editable;
}

export default function Timeline({ rows, blocks, overlay, window: range, hidden, timeZone, onSelect, onActivate, onDragging, onDrop, handle }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const timeline = useRef<VisTimeline | null>(null);
  const items = useRef(new DataSet<VisBlock>());
  const groups = useRef(new DataSet<Row>());
  // The block being dragged: updating it in the DataSet mid-drag would snap it back.
  const dragged = useRef<string | null>(null);
  const overlayIds = useRef(new Set<string>());
  // The blocks as last handed to vis-timeline (a dropped block is forgotten: vis moved it itself).
  const drawn = useRef(new Map<string, Block>());
  // The hidden spans last set (setting them redraws the whole timeline: only when they differ).
  const hiddenShown = useRef("");
  const callbacks = useRef({ onSelect, onActivate, onDragging, onDrop });
  callbacks.current = { onSelect, onActivate, onDragging, onDrop };
  const keyboard = useTimelineKeyboard(container, timeline as RefObject<KeyboardTimeline | null>, items.current, rows, blocks, callbacks);
  const keys = useRef(keyboard);
  keys.current = keyboard;

  useImperativeHandle(handle, () => ({
    slotAt(x, y) {
      const t = timeline.current;
      if (!t) return null;
      // The first element under the point inside the timeline (a drag's ghost may be on top).
      const target = document.elementsFromPoint(x, y).find((e) => container.current?.contains(e));
      if (!target) return null;
      const props = t.getEventProperties({ clientX: x, clientY: y, target } as unknown as Event);
      if (props.group == null || props.what === "axis") return null;
      const time = props.snappedTime ?? props.time;
      return { group: String(props.group), start: new Date(time as Date).getTime() };
    },
    select(taskId) {
      keys.current.remember(taskId);
      timeline.current?.setSelection([taskId], { focus: true, zoom: false, animation: false } as never);
    },
  }));

  useEffect(() => {
    if (!container.current) return;
    const shopMoment = (date: momentFn.MomentInput) => {
      const m = moment(date);
      return m.utcOffset(zoneOffsetMinutes(timeZone, m.valueOf()));
    };
    const t = new VisTimeline(container.current, items.current, groups.current, {
      moment: shopMoment,
      stack: false,
      editable: { updateTime: true, updateGroup: true, add: false, remove: false, overrideItems: false },
      itemsAlwaysDraggable: { item: true, range: false },
      selectable: true,
      snap: (date: Date) => Math.round(date.getTime() / SNAP_MS) * SNAP_MS,
      orientation: { axis: "top" },
      margin: { item: { horizontal: 0, vertical: 4 } },
      zoomKey: "ctrlKey",
      horizontalScroll: true,
      verticalScroll: true,
      maxHeight: "100%",
      groupHeightMode: "fixed",
      xss: { disabled: true },
      onMoving: (item: VisItem, callback: (item: VisItem | null) => void) => {
        dragged.current = String(item.id);
        callbacks.current.onDragging({ taskId: String(item.id), group: String(item.group), start: new Date(item.start).getTime() });
        callback(item);
      },
      onMove: (item: VisItem, callback: (item: VisItem | null) => void) => {
        const slot = { taskId: String(item.id), group: String(item.group), start: new Date(item.start).getTime() };
        dragged.current = null;
        callbacks.current.onDragging(null);
        callbacks.current.onDrop(slot).then((accepted) => {
          if (accepted) drawn.current.delete(slot.taskId);
          callback(accepted ? item : null);
        }, () => callback(null));
      },
    } as never);
    t.on("changed", () => keys.current.afterRedraw());
    t.on("select", (props: { items: (string | number)[] }) => {
      const id = props.items[0];
      keys.current.remember(id == null ? null : String(id));
      callbacks.current.onSelect(id == null ? null : String(id));
    });
    timeline.current = t;
    return () => {
      t.destroy();
      timeline.current = null;
      hiddenShown.current = "";
    };
  }, [timeZone]);

  useEffect(() => {
    const g = groups.current;
    const keep = new Set(rows.map((r) => r.id));
    g.remove(g.getIds().filter((id) => !keep.has(String(id))));
    g.update(rows);
  }, [rows]);

  useEffect(() => {
    const d = items.current;
    const next = new Set(overlay.map((b) => b.id));
    d.remove([...overlayIds.current].filter((id) => !next.has(id)));
    d.update(overlay.map(({ editable: _, ...b }) => b));
    overlayIds.current = next;
  }, [overlay]);

  useEffect(() => {
    const key = JSON.stringify(hidden);
    if (!timeline.current || key === hiddenShown.current) return;
    hiddenShown.current = key;
    timeline.current.setOptions({ hiddenDates: hidden });
  }, [hidden, timeZone]);

  useEffect(() => {
    timeline.current?.setWindow(range.start, range.end, { animation: false });
  }, [range.start, range.end, range.navigation, timeZone]);

  // Only the blocks that changed since the last board are handed to vis-timeline: a reload after a
  // move redraws the moved blocks, not the week.
  useEffect(() => {
    const d = items.current;
    const shown = drawn.current;
    const next = new Map(blocks.map((b) => [b.id, b]));
    const gone = [...shown.keys()].filter((id) => !next.has(id));
    const changed = blocks.filter((b) => b.id !== dragged.current && !sameBlock(shown.get(b.id), b));
    d.remove(gone);
    for (const id of gone) shown.delete(id);
    for (const b of changed) shown.set(b.id, b);
    const update = changed.map(({ editable, ...b }): VisBlock =>
      b.type === "background" ? b : { ...b, editable: { updateTime: Boolean(editable), updateGroup: Boolean(editable), remove: false } });
    const t = timeline.current;
    if (t && update.length > OFFSTAGE_OVER) {
      const { start, end } = t.getWindow();
      t.setWindow(OFFSTAGE.start, OFFSTAGE.end, { animation: false });
      d.update(update);
      t.setWindow(start, end, { animation: false });
    } else {
      d.update(update);
    }
  }, [blocks]);

  return (
    <div ref={container} className="timeline" data-testid="timeline" role="application" tabIndex={keyboard.tabIndex}
         aria-label="Schedule. Arrow keys go from task to task, Enter or Space explains a task, M moves it with the arrow keys, then Enter."
         onKeyDown={keyboard.onKeyDown} onFocus={keyboard.onFocus} onBlur={keyboard.onBlur} />
  );
}
