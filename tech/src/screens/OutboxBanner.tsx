/** What is waiting to be sent, and what the API refused, so nothing made offline goes missing unseen. */
import { Text, View } from 'react-native';

import { describeChange, type OutboxState } from '../outbox';
import { Banner, Button, styles } from '../ui';

export function OutboxBanner({ outbox, onDismiss }: { outbox: OutboxState; onDismiss: (key: string) => void }) {
  return (
    <>
      {outbox.queued.length ? (
        <Banner tone="info" testID="outbox-queued">
          <Text style={[styles.text, { fontWeight: '700' }]}>
            {outbox.queued.length} change{outbox.queued.length === 1 ? '' : 's'} waiting to be sent{outbox.offline ? ' (offline)' : ''}
          </Text>
          {outbox.queued.map((c) => (
            <Text key={c.key} style={styles.muted}>
              • {describeChange(c)}{outbox.progress[c.key] !== undefined ? ` — ${Math.round(outbox.progress[c.key] * 100)}%` : ''}
            </Text>
          ))}
          {outbox.unsaved ? <Text style={styles.muted}>{outbox.unsaved} photo(s) too large to keep on this device: keep the app open until they are sent.</Text> : null}
        </Banner>
      ) : null}
      {outbox.refused.map((r) => (
        <Banner tone="danger" key={r.change.key} testID="outbox-refused">
          <Text style={styles.text}>{r.message}</Text>
          <View style={{ alignSelf: 'flex-start' }}>
            <Button label="Dismiss" tone="secondary" onPress={() => onDismiss(r.change.key)} />
          </View>
        </Banner>
      ))}
    </>
  );
}
