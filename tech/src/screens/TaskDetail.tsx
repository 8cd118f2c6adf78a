/** One task: what to do and why it is where it is, its status and time on task, notes and photos. */
import { useCallback, useEffect, useState } from 'react';
import { Image, Platform, ScrollView, Text, TextInput, View } from 'react-native';
import * as ImagePicker from 'expo-image-picker';

import { NetworkError, apiUrl, request } from '../api';
import { STATUS_LABEL, clock, duration, partsLine, vehicle } from '../format';
import type { Outbox, OutboxState, Outcome } from '../outbox';
import type { Attachment, MyTask, TaskStatus } from '../types';
import { Badge, Banner, Button, Section, colors, styles } from '../ui';
import { OutboxBanner } from './OutboxBanner';

interface Move {
  label: string;
  to: TaskStatus;
  tone?: 'primary' | 'secondary' | 'danger';
}

/** The moves the state machine allows a technician from each status (the database enforces it:
 * pending|scheduled -> in_progress -> paused|done|blocked, paused -> in_progress|blocked, blocked -> in_progress). */
const PLANNED = new Set<TaskStatus>(['pending', 'scheduled']);  // the statuses the planner places

const MOVES: Record<TaskStatus, Move[]> = {
  pending: [{ label: 'Start', to: 'in_progress' }],
  scheduled: [{ label: 'Start', to: 'in_progress' }],
  in_progress: [{ label: 'Pause', to: 'paused', tone: 'secondary' }, { label: 'Done', to: 'done' }, { label: 'Block', to: 'blocked', tone: 'danger' }],
  paused: [{ label: 'Resume', to: 'in_progress' }, { label: 'Block', to: 'blocked', tone: 'danger' }],
  blocked: [{ label: 'Resume', to: 'in_progress' }],
  done: [],
  cancelled: [],
};

/** What the technician is told once a move reached the API. */
const DONE_WORDS: Record<TaskStatus, string> = {
  in_progress: 'Started: the time on task is running.', paused: 'Paused.', blocked: 'Marked blocked.',
  done: 'Marked done.', pending: 'Reset.', scheduled: 'Reset.', cancelled: 'Cancelled.',
};

interface Props {
  task: MyTask;
  timeZone: string;
  outbox: Outbox;
  outboxState: OutboxState;
  onBack: () => void;
  onChanged: () => void;
}

export function TaskDetail({ task, timeZone, outbox, outboxState, onBack, onChanged }: Props) {
  const queuedStatus = [...outboxState.queued].reverse().find((c) => c.taskId === task.id && c.kind === 'status');
  const status: TaskStatus = queuedStatus?.kind === 'status' ? queuedStatus.status : task.status;
  const [message, setMessage] = useState<{ tone: 'info' | 'warn' | 'danger'; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [blocking, setBlocking] = useState(false);
  const [reason, setReason] = useState('');
  const [notes, setNotes] = useState(task.notes ?? '');
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [, tick] = useState(0);
  const parts = partsLine(task, timeZone);

  useEffect(() => setNotes(task.notes ?? ''), [task.notes]);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 30_000); // time on task moves on
    return () => clearInterval(timer);
  }, []);

  const loadAttachments = useCallback(async () => {
    try {
      setAttachments(await request<Attachment[]>('GET', `/v1/tasks/${task.id}/attachments`));
    } catch (e) {
      if (!(e instanceof NetworkError)) setMessage({ tone: 'danger', text: (e as Error).message });
    }
  }, [task.id]);
  useEffect(() => {
    void loadAttachments();
  }, [loadAttachments, outboxState.queued.length]);

  function show(outcome: Outcome, sent: string) {
    if (outcome.state === 'sent') setMessage({ tone: 'info', text: sent });
    else if (outcome.state === 'queued') setMessage({ tone: 'warn', text: 'No connection: saved on this phone, it will be sent when bayflow can be reached again.' });
    else setMessage({ tone: 'danger', text: outcome.message });
    onChanged();
  }

  async function move(to: TaskStatus, label: string, why?: string) {
    setBusy(label);
    setMessage(null);
    const outcome = await outbox.submit({ kind: 'status', status: to, reason: why, taskId: task.id, taskName: task.name });
    setBusy(null);
    if (outcome.state !== 'queued') setBlocking(false);
    if (to === 'blocked' && outcome.state === 'sent') setReason('');
    show(outcome, label === 'Resume' ? 'Resumed: the time on task is running again.' : DONE_WORDS[to]);
  }

  async function saveNotes() {
    setBusy('notes');
    const outcome = await outbox.submit({ kind: 'notes', notes, baseNotes: task.notes ?? '', taskId: task.id, taskName: task.name });
    setBusy(null);
    show(outcome, 'Notes saved.');
  }

  async function addPhoto(camera: boolean) {
    setMessage(null);
    const options: ImagePicker.ImagePickerOptions = { mediaTypes: ['images'], quality: 0.8, base64: Platform.OS === 'web', exif: false };
    if (camera && Platform.OS !== 'web') {
      const permission = await ImagePicker.requestCameraPermissionsAsync();
      if (!permission.granted) {
        setMessage({ tone: 'danger', text: 'The camera is not allowed for bayflow: allow it in the phone settings.' });
        return;
      }
    }
    const picked = camera ? await ImagePicker.launchCameraAsync(options) : await ImagePicker.launchImageLibraryAsync(options);
    const asset = picked.assets?.[0];
    if (picked.canceled || !asset) return;
    const contentType = asset.mimeType ?? 'image/jpeg';
    // On the web the picked file lives only as long as the page: keep its bytes, so a queued photo survives a reload.
    const uri = Platform.OS === 'web' && asset.base64 ? `data:${contentType};base64,${asset.base64}` : asset.uri;
    setBusy('photo');
    const outcome = await outbox.submit({ kind: 'photo', contentType, uri, taskId: task.id, taskName: task.name });
    setBusy(null);
    show(outcome, 'Photo uploaded.');
    if (outcome.state === 'sent') void loadAttachments();
  }

  const photoProgress = outboxState.queued
    .filter((c) => c.kind === 'photo' && c.taskId === task.id)
    .map((c) => outboxState.progress[c.key] ?? 0);

  return (
    <ScrollView contentContainerStyle={{ padding: 12 }} keyboardShouldPersistTaps="handled">
      <View style={{ flexDirection: 'row', alignItems: 'center', gap: 8, marginBottom: 8 }}>
        <Button label="‹ Back" tone="secondary" onPress={onBack} testID="back" />
        <Text style={[styles.muted, { flex: 1 }]} numberOfLines={1}>Work order #{task.work_order.number}</Text>
      </View>
      <OutboxBanner outbox={outboxState} onDismiss={(key) => outbox.dismiss(key)} />
      <Section title={task.name}>
        <View style={{ flexDirection: 'row', gap: 6, flexWrap: 'wrap' }}>
          <Badge label={STATUS_LABEL[status]} tone={status === 'done' ? 'ok' : status === 'blocked' ? 'danger' : 'info'} testID="detail-status" />
          {queuedStatus ? <Badge label="Waiting to be sent" tone="warn" /> : null}
        </View>
        <Text style={styles.text}>{clock(task.planned_start, timeZone)}–{clock(task.planned_end, timeZone)} · {task.bay?.name ?? 'No bay'}</Text>
        <Text style={styles.text}>{vehicle(task)}{task.work_order.vin ? ` · VIN ${task.work_order.vin}` : ''}</Text>
        <Text style={styles.muted}>{task.work_order.description}</Text>
        {parts ? <Text style={styles.muted}>{parts}</Text> : null}
        {task.waits_on.map((w) => <Text key={w} style={[styles.muted, { color: colors.warn }]}>Waits on: {w}</Text>)}
        {task.blocked_reason && status === 'blocked' ? <Text style={[styles.text, { color: colors.danger }]}>Blocked: {task.blocked_reason}</Text> : null}
      </Section>

      <Section title="Status and time on task">
        <Text style={styles.text} testID="actual-start">
          {task.actual_start ? `Started ${clock(task.actual_start, timeZone)}` : task.actual_end ? 'No start recorded' : 'Not started yet'}
          {task.actual_end ? ` · finished ${clock(task.actual_end, timeZone)}` : ''}
          {task.actual_start ? ` · ${duration(task.actual_start, task.actual_end)} since start` : ''}
        </Text>
        {message ? <Banner tone={message.tone} testID="detail-message"><Text style={styles.text}>{message.text}</Text></Banner> : null}
        <View style={{ flexDirection: 'row', flexWrap: 'wrap', gap: 8 }}>
          {MOVES[status].map((m) => (
            <Button key={m.label} label={m.label} tone={m.tone} busy={busy === m.label} testID={`status-${m.to}`}
                    onPress={() => (m.to === 'blocked' ? setBlocking(true) : void move(m.to, m.label))} />
          ))}
        </View>
        {blocking ? (
          <View style={{ gap: 8 }}>
            <TextInput style={styles.input} placeholder="Why is it blocked? (required)" aria-label="Block reason"
                       value={reason} onChangeText={setReason} testID="block-reason" />
            <View style={{ flexDirection: 'row', gap: 8 }}>
              <Button label="Block task" tone="danger" disabled={!reason.trim()} busy={busy === 'Block'} testID="confirm-block"
                      onPress={() => void move('blocked', 'Block', reason.trim())} />
              <Button label="Cancel" tone="secondary" onPress={() => setBlocking(false)} />
            </View>
          </View>
        ) : null}
      </Section>

      <Section title="Why it is scheduled here">
        {/* The planner places pending and scheduled tasks only; a started or blocked task's status says why it is where it is. */}
        {!PLANNED.has(status) ? <Text style={styles.muted}>The planner leaves a task where it is once it is {STATUS_LABEL[status].toLowerCase()}.</Text>
          : task.why.length ? task.why.map((w) => <Text key={w} style={styles.text} testID="why">• {w}</Text>)
          : <Text style={styles.muted}>No reasons recorded: the planner has not placed this task (it was placed by hand or not yet).</Text>}
      </Section>

      <Section title="Instructions">
        <Text style={styles.text}>{task.instructions || 'No instructions in the plan.'}</Text>
      </Section>

      <Section title="Notes">
        <TextInput style={[styles.input, { minHeight: 80, textAlignVertical: 'top' }]} multiline aria-label="Notes"
                   value={notes} onChangeText={setNotes} testID="notes" />
        <View style={{ alignSelf: 'flex-start' }}>
          <Button label="Save notes" tone="secondary" busy={busy === 'notes'} disabled={notes === (task.notes ?? '')}
                  onPress={() => void saveNotes()} testID="save-notes" />
        </View>
      </Section>

      <Section title="Photos">
        <View style={{ flexDirection: 'row', gap: 8 }}>
          <Button label="Take photo" onPress={() => void addPhoto(true)} busy={busy === 'photo'} testID="take-photo" />
          <Button label="Choose photo" tone="secondary" onPress={() => void addPhoto(false)} testID="choose-photo" />
        </View>
        {photoProgress.map((share, i) => (
          <View key={i} style={{ gap: 4 }} testID="upload-progress">
            <Text style={styles.muted}>Uploading… {Math.round(share * 100)}%</Text>
            <View style={{ height: 8, backgroundColor: colors.line, borderRadius: 4 }}>
              <View style={{ height: 8, width: `${Math.round(share * 100)}%`, backgroundColor: colors.primary, borderRadius: 4 }} />
            </View>
          </View>
        ))}
        <View style={{ flexDirection: 'row', flexWrap: 'wrap', gap: 8 }}>
          {attachments.map((a) => (
            // Signed, short-lived URLs: an image loads them without the bearer token.
            <Image key={a.id} source={{ uri: apiUrl(a.thumbnail_url ?? a.url) }} accessibilityLabel={`Photo from ${clock(a.created_at, timeZone)}`}
                   style={{ width: 104, height: 104, borderRadius: 6, backgroundColor: colors.line }} testID="thumbnail" />
          ))}
        </View>
        {!attachments.length && !photoProgress.length ? <Text style={styles.muted}>No photos yet.</Text> : null}
      </Section>

      <Section title="Other tasks on this work order">
        {task.other_tasks.length ? task.other_tasks.map((o) => (
          <Text key={o.id} style={styles.text}>• {o.name} — {STATUS_LABEL[o.status]}</Text>
        )) : <Text style={styles.muted}>None.</Text>}
      </Section>
    </ScrollView>
  );
}

