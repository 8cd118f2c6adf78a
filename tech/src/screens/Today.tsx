/** The technician's day: their tasks in order with times, vehicle and complaint, bay, parts and what
 * each waits on; what changed since their last look; today or tomorrow. */
import { Pressable, RefreshControl, ScrollView, Text, View } from 'react-native';

import { STATUS_LABEL, clock, dayName, partsLine, vehicle } from '../format';
import type { OutboxState } from '../outbox';
import type { MyDay, MyTask } from '../types';
import { Badge, Banner, Button, colors, isFocused, styles } from '../ui';
import { OutboxBanner } from './OutboxBanner';

const CHANGE_LABEL = { moved: 'Moved', reassigned: 'Reassigned to you', new: 'New' } as const;

interface Props {
  name: string;
  data: MyDay | null;
  tomorrow: boolean;
  loading: boolean;
  error: string | null;
  outbox: OutboxState;
  onDismiss: (key: string) => void;
  onShowTomorrow: (tomorrow: boolean) => void;
  onRefresh: () => void;
  onOpen: (task: MyTask) => void;
  onSignOut: () => void;
  /** The technician has read what changed: record this look. */
  onSeen: () => void;
}

export function Today(props: Props) {
  const { data } = props;
  return (
    <ScrollView
      contentContainerStyle={{ padding: 12 }}
      refreshControl={<RefreshControl refreshing={props.loading} onRefresh={props.onRefresh} />}
    >
      <View style={{ flexDirection: 'row', alignItems: 'center', justifyContent: 'space-between', marginBottom: 8 }}>
        <View>
          <Text role="heading" style={{ fontSize: 22, fontWeight: '700', color: colors.text }} testID="day-title">
            {props.tomorrow ? 'Tomorrow' : 'Today'}{data ? ` · ${dayName(data.day)}` : ''}
          </Text>
          <Text style={styles.muted}>{props.name}</Text>
        </View>
        <Button label="Sign out" tone="secondary" onPress={props.onSignOut} testID="sign-out" />
      </View>
      <View style={{ flexDirection: 'row', gap: 8, marginBottom: 10 }}>
        <View style={{ flex: 1 }}>
          <Button label="Today" tone={props.tomorrow ? 'secondary' : 'primary'} onPress={() => props.onShowTomorrow(false)} testID="show-today" />
        </View>
        <View style={{ flex: 1 }}>
          <Button label="Tomorrow" tone={props.tomorrow ? 'primary' : 'secondary'} onPress={() => props.onShowTomorrow(true)} testID="show-tomorrow" />
        </View>
        <Button label="Refresh" tone="secondary" busy={props.loading} onPress={props.onRefresh} testID="refresh" />
      </View>
      <OutboxBanner outbox={props.outbox} onDismiss={props.onDismiss} />
      {props.error ? <Banner tone="danger"><Text style={styles.text}>{props.error}</Text></Banner> : null}
      {data?.changes.length ? (
        <Banner tone="warn" testID="changes-banner">
          <Text style={[styles.text, { fontWeight: '700' }]}>Changed since you last looked</Text>
          {data.changes.map((c) => <Text key={`${c.task_id}-${c.kind}`} style={styles.text}>• {c.message}</Text>)}
          <View style={{ alignSelf: 'flex-start' }}>
            <Button label="Got it" tone="secondary" onPress={props.onSeen} testID="changes-seen" />
          </View>
        </Banner>
      ) : null}
      {data && !data.tasks.length ? <Text style={styles.muted}>No tasks {props.tomorrow ? 'tomorrow' : 'today'}.</Text> : null}
      {data?.tasks.map((task) => (
        <TaskCard key={task.id} task={task} timeZone={data.timezone} onOpen={() => props.onOpen(task)}
                  queued={props.outbox.queued.filter((c) => c.taskId === task.id).length} />
      ))}
    </ScrollView>
  );
}

function TaskCard({ task, timeZone, queued, onOpen }: { task: MyTask; timeZone: string; queued: number; onOpen: () => void }) {
  const parts = partsLine(task, timeZone);
  return (
    <Pressable role="button" aria-label={`Open ${task.name}`} testID={`task-${task.id}`} onPress={onOpen}
               style={(state) => [styles.section, task.changed && { borderWidth: 2, borderColor: colors.warn }, isFocused(state) && styles.focused]}>
      <View style={{ flexDirection: 'row', justifyContent: 'space-between', gap: 8 }}>
        <Text style={{ fontSize: 15, fontWeight: '700', color: colors.text }} testID="task-time">
          {clock(task.planned_start, timeZone)}–{clock(task.planned_end, timeZone)}
        </Text>
        <View style={{ flexDirection: 'row', gap: 6, flexWrap: 'wrap', justifyContent: 'flex-end' }}>
          {task.changed ? <Badge tone="warn" label={CHANGE_LABEL[task.changed.kind]} testID="changed-mark" /> : null}
          <Badge tone={task.status === 'done' ? 'ok' : task.status === 'blocked' ? 'danger' : 'info'} label={STATUS_LABEL[task.status]} testID="task-status" />
        </View>
      </View>
      <Text style={{ fontSize: 17, fontWeight: '700', color: colors.text }} testID="task-name">{task.name}</Text>
      <Text style={styles.text}>{vehicle(task)} · #{task.work_order.number}</Text>
      <Text style={styles.muted} numberOfLines={2}>{task.work_order.description}</Text>
      <Text style={styles.muted}>{task.bay ? task.bay.name : 'No bay'}{parts ? ` · ${parts}` : ''}</Text>
      {task.waits_on.map((w) => <Text key={w} style={[styles.muted, { color: colors.warn }]}>Waits on: {w}</Text>)}
      {queued ? <Text style={[styles.muted, { color: colors.warn }]}>{queued} change(s) waiting to be sent</Text> : null}
    </Pressable>
  );
}
