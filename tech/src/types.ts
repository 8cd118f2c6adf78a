/** The API's shapes, from the types openapi-typescript generates from bayflow's OpenAPI document. */
import type { components } from './api-types';

type Schemas = components['schemas'];

export type AuthConfig = Schemas['AuthConfig'];
export type DevUser = Schemas['DevUser'];
export type DevToken = Schemas['DevToken'];
export type Me = Schemas['Me'];
export type Task = Schemas['Task'];

export type TaskStatus = 'pending' | 'scheduled' | 'in_progress' | 'paused' | 'blocked' | 'done' | 'cancelled';

export interface MyTask {
  id: string;
  name: string;
  status: TaskStatus;
  planned_start: string | null;
  planned_end: string | null;
  actual_start: string | null;
  actual_end: string | null;
  blocked_reason: string | null;
  notes: string | null;
  instructions: string | null;
  bay: { id: string; name: string } | null;
  work_order: {
    id: string; number: number; description: string; asset_make: string | null; asset_model: string | null;
    asset_year: number | null; plate: string | null; vin: string | null;
  };
  parts: { needs_parts: boolean; ready_at: string | null; status: 'none' | 'ready' | 'due' | 'no_eta' };
  waits_on: string[];
  why: string[];
  other_tasks: { id: string; name: string; status: TaskStatus }[];
  changed: { kind: 'moved' | 'reassigned' | 'new'; from?: { starts_at: string | null; technician: string | null } | null; at: string } | null;
  version: number;
}

export interface MyDay {
  day: string;
  timezone: string;
  seen_at: string;
  tasks: MyTask[];
  changes: { task_id: string; kind: string; message: string }[];
}

export interface Attachment {
  id: string;
  task_id: string;
  work_order_id: string;
  uploaded_by: string | null;
  content_type: string;
  size: number;
  sha256: string;
  created_at: string;
  url: string;
  thumbnail_url: string | null;
  url_expires_at: string;
}
