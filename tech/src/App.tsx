/** The technician app: sign in, then the day's list and a task's detail, with the outbox that
 * carries changes to the API and the event stream that says when to reload. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { BackHandler, Platform, SafeAreaView, Text, View } from 'react-native';

import { ApiError, request } from './api';
import { BOARD_URL } from './config';
import { subscribeEvents } from './events';
import { addDays } from './format';
import { Outbox, type OutboxState } from './outbox';
import { TaskDetail } from './screens/TaskDetail';
import { SignIn } from './screens/SignIn';
import { Today } from './screens/Today';
import { restore, signOut, type Session } from './session';
import type { MyDay } from './types';
import { Button, colors, styles } from './ui';

const RELOAD_EVENTS = new Set(['task.assigned', 'task.moved', 'schedule.published']);

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(true);

  useEffect(() => {
    restore().then(setSession).catch(() => undefined).finally(() => setRestoring(false));
  }, []);
  const leave = useCallback(() => void signOut().then(() => setSession(null)), []);

  let body;
  if (restoring) body = null;
  else if (!session) body = <SignIn onSignedIn={setSession} />;
  else if (session.me.role !== 'tech') body = <NotATechnician onSignOut={leave} />;
  else body = <Technician key={session.me.id} session={session} onSignOut={leave} />;
  return (
    <SafeAreaView style={{ flex: 1, backgroundColor: colors.page }}>
      <View style={{ flex: 1, width: '100%', maxWidth: 640, alignSelf: 'center' }}>{body}</View>
    </SafeAreaView>
  );
}

/** Dispatchers and admins work on the board: the web app goes there; a phone says where it is. */
function NotATechnician({ onSignOut }: { onSignOut: () => void }) {
  useEffect(() => {
    if (Platform.OS === 'web') window.location.assign(BOARD_URL);
  }, []);
  return (
    <View style={{ padding: 16, gap: 12 }}>
      <Text style={styles.text}>This app is for technicians. Dispatchers use the board at {BOARD_URL}</Text>
      <Button label="Sign out" tone="secondary" onPress={onSignOut} />
    </View>
  );
}

function Technician({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const outboxRef = useRef<Outbox | null>(null);
  outboxRef.current ??= new Outbox(session.me.id);
  const outbox = outboxRef.current;
  const [outboxState, setOutboxState] = useState<OutboxState>(outbox.snapshot());
  const [tomorrow, setTomorrow] = useState(false);
  const [data, setData] = useState<MyDay | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [openTask, setOpenTask] = useState<string | null>(null);
  const latest = useRef(0);
  const today = useRef<string | null>(null); // the shop's today, as the API last said
  const lookedAt = useRef<string | null>(null); // the database time of the list on screen

  const reload = useCallback(async () => {
    const ticket = ++latest.current; // answers to older requests are dropped
    setLoading(true);
    try {
      const path = tomorrow && today.current ? `/v1/me/tasks?day=${addDays(today.current, 1)}` : '/v1/me/tasks';
      const day = await request<MyDay>('GET', path);
      if (ticket !== latest.current) return;
      lookedAt.current = day.as_of;
      if (!tomorrow) today.current = day.day;
      setData(day);
      setError(null);
    } catch (e) {
      if (ticket !== latest.current) return;
      if (e instanceof ApiError && e.status === 401) onSignOut();
      setError(e instanceof ApiError ? e.message : 'No connection: showing the list as last loaded.');
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  }, [tomorrow, onSignOut]);

  useEffect(() => {
    void reload();
  }, [reload]);

  useEffect(() => {
    const unsubscribe = outbox.subscribe(setOutboxState);
    outbox.onSent = () => void reloadRef.current();
    void outbox.open();
    return () => {
      unsubscribe();
      outbox.close();
    };
  }, [outbox]);

  const reloadRef = useRef(reload);
  reloadRef.current = reload;
  useEffect(() => subscribeEvents((type) => {
    if (RELOAD_EVENTS.has(type)) void reloadRef.current();
  }), []);

  useEffect(() => {
    if (Platform.OS !== 'android') return;
    const sub = BackHandler.addEventListener('hardwareBackPress', () => {
      if (!openTask) return false;
      setOpenTask(null);
      return true;
    });
    return () => sub.remove();
  }, [openTask]);

  async function seen() {
    try {
      await request('POST', '/v1/me/seen', { body: { at: lookedAt.current } });
      await reload();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const task = openTask ? data?.tasks.find((t) => t.id === openTask) : undefined;
  if (openTask && data && task) {
    return <TaskDetail task={task} timeZone={data.timezone} outbox={outbox} outboxState={outboxState}
                       onBack={() => setOpenTask(null)} onChanged={() => void reload()} />;
  }
  return (
    <Today name={session.me.display_name} data={data} tomorrow={tomorrow} loading={loading} error={error}
           outbox={outboxState} onDismiss={(key) => outbox.dismiss(key)}
           onShowTomorrow={(t) => { setTomorrow(t); setData(null); }} onRefresh={() => void reload()}
           onOpen={(t) => setOpenTask(t.id)} onSignOut={onSignOut} onSeen={() => void seen()} />
  );
}
