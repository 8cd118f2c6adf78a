/** Signing in: bayflow's dev issuer (pick a demo user) or Supabase Auth (email and password through
 * supabase-js), as `GET /v1/auth/config` says. The session is kept on the device. */
import AsyncStorage from '@react-native-async-storage/async-storage';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';

import { request, setTokenSource } from './api';
import { load, remove, save } from './storage';
import type { AuthConfig, DevToken, Me } from './types';

const SESSION_KEY = 'bayflow.session';

export interface Session {
  mode: AuthConfig['mode'];
  me: Me;
  /** The dev issuer's token and when it expires (ms); Supabase keeps its own. */
  token?: string;
  expiresAt?: number;
  /** Supabase mode: the project, to open its client again without a connection. */
  config?: AuthConfig;
}

let supabase: SupabaseClient | null = null;
let current: Session | null = null;

function supabaseClient(config: AuthConfig): SupabaseClient {
  if (!config.supabase_url || !config.supabase_anon_key) {
    throw new Error('the API is set up for Supabase sign-in without a URL or anon key');
  }
  supabase ??= createClient(config.supabase_url, config.supabase_anon_key, {
    auth: { storage: AsyncStorage, persistSession: true, autoRefreshToken: true, detectSessionInUrl: false },
  });
  return supabase;
}

async function accessToken(): Promise<string | null> {
  if (!current) return null;
  if (current.mode === 'dev') return current.token ?? null;
  const { data } = await (supabase as SupabaseClient).auth.getSession();
  return data.session?.access_token ?? null;
}

setTokenSource(accessToken);

export function authConfig(): Promise<AuthConfig> {
  return request<AuthConfig>('GET', '/v1/auth/config');
}

async function start(session: Omit<Session, 'me'>): Promise<Session> {
  current = { ...session, me: undefined as unknown as Me };
  try {
    current.me = await request<Me>('GET', '/v1/me');
  } catch (error) {
    current = null;
    throw error;
  }
  await save(SESSION_KEY, current);
  return current;
}

export async function signInDev(email: string): Promise<Session> {
  const token = await request<DevToken>('POST', '/v1/dev/token', { body: { email } });
  return start({ mode: 'dev', token: token.access_token, expiresAt: Date.now() + token.expires_in * 1000 });
}

export async function signInSupabase(config: AuthConfig, email: string, password: string): Promise<Session> {
  const { error } = await supabaseClient(config).auth.signInWithPassword({ email, password });
  if (error) throw new Error(error.message);
  return start({ mode: 'supabase', config });
}

/** The session kept from last time, if it is still good. */
export async function restore(): Promise<Session | null> {
  const kept = await load<Session>(SESSION_KEY);
  if (!kept) return null;
  if (kept.mode === 'dev' && (!kept.expiresAt || kept.expiresAt < Date.now() + 60_000)) return null;
  if (kept.mode === 'supabase') {
    if (!kept.config) return null;
    const { data } = await supabaseClient(kept.config).auth.getSession();
    if (!data.session) return null;
  }
  current = kept;
  return kept;
}

export async function signOut(): Promise<void> {
  if (current?.mode === 'supabase' && supabase) await supabase.auth.signOut();
  current = null;
  await remove(SESSION_KEY);
}
