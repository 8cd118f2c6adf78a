/** The API's shapes, from the types openapi-typescript generates from bayflow's OpenAPI document. */
import type { components } from './api-types';

type Schemas = components['schemas'];

export type AuthConfig = Schemas['AuthConfig'];
export type DevUser = Schemas['DevUser'];
export type DevToken = Schemas['DevToken'];
export type Me = Schemas['Me'];
export type Task = Schemas['Task'];
export type TaskStatus = Task['status'];
export type MyDay = Schemas['MyDay'];
export type MyTask = Schemas['MyTask'];
export type Attachment = Schemas['Attachment'];
/** The body of `POST /v1/tasks/{id}/status`. */
export type StatusRequest = Schemas['StatusChange'];
