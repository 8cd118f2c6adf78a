"use client";
// vis-timeline as a React component (loaded in the browser only): rows are technicians or bays,
// blocks are tasks; dragging a block reports the slot under the cursor, dropping asks the page.
import { useEffect, useImperativeHandle, useRef, type Ref } from "react";
import * as vis from "vis-timeline/standalone";
import type { DataSet as DataSetClass } from "vis-data";
import type momentFn from "moment";
import "vis-timeline/styles/vis-timeline-graph2d.min.css";
import { zoneOffsetMinutes } from "@/lib/time";

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
  window: { start: number; end: number };
  /** Spans not drawn (the shop's nights), so that the working hours get the width. */
  hidden: { start: number; end: number }[];
  timeZone: string;
  onSelect: (taskId: string | null) => void;
  onDragging: (slot: Slot | null) => void;
  onDrop: (slot: Slot) => Promise<boolean>;
  handle?: Ref<TimelineHandle>;
}

// The standalone build bundles its own DataSet and moment; its typings do not re-export them.
const { Timeline: VisTimeline } = vis;
const { DataSet, moment } = vis as unknown as { DataSet: typeof DataSetClass; moment: typeof momentFn };
type VisTimeline = vis.Timeline;

const SNAP_MS = 15 * 60 * 1000;

type VisBlock = Omit<Block, "editable"> & { editable?: { updateTime: boolean; updateGroup: boolean; remove: boolean } };

interface VisItem {
  id: string | number;
  group?: string | number;
  start: Date | number | string;
}

export default function Timeline({ rows, blocks, overlay, window: range, hidden, timeZone, onSelect, onDragging, onDrop, handle }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const timeline = useRef<VisTimeline | null>(null);
  const items = useRef(new DataSet<VisBlock>());
  const groups = useRef(new DataSet<Row>());
  // The block being dragged: updating it in the DataSet mid-drag would snap it back.
  const dragged = useRef<string | null>(null);
  const overlayIds = useRef(new Set<string>());
  const callbacks = useRef({ onSelect, onDragging, onDrop });
  callbacks.current = { onSelect, onDragging, onDrop };

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
      timeline.current?.setSelection([taskId], { focus: true, animation: { zoom: false } });
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
        callbacks.current.onDrop(slot).then((accepted) => callback(accepted ? item : null), () => callback(null));
      },
    } as never);
    t.on("select", (props: { items: (string | number)[] }) => {
      const id = props.items[0];
      callbacks.current.onSelect(id == null ? null : String(id));
    });
    timeline.current = t;
    return () => {
      t.destroy();
      timeline.current = null;
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
    timeline.current?.setOptions({ hiddenDates: hidden });
  }, [hidden, timeZone]);

  useEffect(() => {
    timeline.current?.setWindow(range.start, range.end, { animation: false });
  }, [range.start, range.end, timeZone]);

  // Blocks last: the window and hidden spans are set before a thousand blocks are first drawn.
  useEffect(() => {
    const d = items.current;
    const keep = new Set(blocks.map((b) => b.id));
    d.remove(d.getIds().filter((id) => !keep.has(String(id)) && !overlayIds.current.has(String(id))));
    const visible: VisBlock[] = blocks.map(({ editable, ...b }) =>
      b.type === "background" ? b : { ...b, editable: { updateTime: Boolean(editable), updateGroup: Boolean(editable), remove: false } });
    d.update(dragged.current ? visible.filter((b) => b.id !== dragged.current) : visible);
  }, [blocks]);

  return <div ref={container} className="timeline" data-testid="timeline" />;
}
