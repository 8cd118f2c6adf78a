/** The few building blocks every screen uses: buttons reachable by keyboard on the web, badges and
 * banners, in colours readable in a bright shop (text contrast 7:1 or better on white). */
import type { ReactNode } from 'react';
import { ActivityIndicator, Pressable, StyleSheet, Text, View, type PressableStateCallbackType } from 'react-native';

/** react-native-web also reports keyboard focus to a Pressable's style, to draw a focus ring. */
export function isFocused(state: PressableStateCallbackType): boolean {
  return Boolean((state as { focused?: boolean }).focused);
}

export const colors = {
  text: '#111827', muted: '#374151', line: '#d1d5db', page: '#f3f4f6', card: '#ffffff',
  primary: '#0b4f9c', danger: '#9b1c1c', warn: '#7a4b00', warnBg: '#fff4d6', info: '#0b4f9c', infoBg: '#e6f0fb',
  ok: '#14532d', okBg: '#e3f5e9',
};

type Tone = 'primary' | 'secondary' | 'danger';

export function Button(props: { label: string; onPress: () => void; tone?: Tone; disabled?: boolean; busy?: boolean; testID?: string }) {
  const tone = props.tone ?? 'primary';
  const disabled = props.disabled || props.busy;
  return (
    <Pressable
      role="button"
      aria-label={props.label}
      aria-disabled={disabled}
      disabled={disabled}
      testID={props.testID}
      onPress={props.onPress}
      style={(state) => [
        styles.button, styles[tone], disabled && styles.disabled, state.pressed && styles.pressed, isFocused(state) && styles.focused,
      ]}
    >
      {props.busy ? <ActivityIndicator color={tone === 'secondary' ? colors.primary : '#fff'} /> : null}
      <Text style={[styles.buttonText, tone === 'secondary' && styles.secondaryText]}>{props.label}</Text>
    </Pressable>
  );
}

export function Badge({ label, tone = 'info', testID }: { label: string; tone?: 'info' | 'warn' | 'ok' | 'danger'; testID?: string }) {
  const palette = { info: [colors.infoBg, colors.info], warn: [colors.warnBg, colors.warn], ok: [colors.okBg, colors.ok], danger: ['#fde8e8', colors.danger] }[tone];
  return (
    <View testID={testID} style={[styles.badge, { backgroundColor: palette[0] }]}>
      <Text style={[styles.badgeText, { color: palette[1] }]}>{label}</Text>
    </View>
  );
}

export function Banner({ tone, children, testID }: { tone: 'info' | 'warn' | 'danger'; children: ReactNode; testID?: string }) {
  const palette = { info: [colors.infoBg, colors.info], warn: [colors.warnBg, colors.warn], danger: ['#fde8e8', colors.danger] }[tone];
  return (
    <View testID={testID} role={tone === 'info' ? 'status' : 'alert'} style={[styles.banner, { backgroundColor: palette[0], borderColor: palette[1] }]}>
      {children}
    </View>
  );
}

export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <View style={styles.section}>
      <Text role="heading" style={styles.sectionTitle}>{title}</Text>
      {children}
    </View>
  );
}

export const styles = StyleSheet.create({
  button: {
    minHeight: 44, paddingHorizontal: 14, paddingVertical: 10, borderRadius: 8, alignItems: 'center',
    justifyContent: 'center', flexDirection: 'row', gap: 8,
  },
  primary: { backgroundColor: colors.primary },
  secondary: { backgroundColor: colors.card, borderWidth: 1, borderColor: colors.primary },
  danger: { backgroundColor: colors.danger },
  disabled: { opacity: 0.5 },
  pressed: { opacity: 0.8 },
  focused: { outlineColor: '#f59e0b', outlineWidth: 3, outlineStyle: 'solid' } as object,
  buttonText: { color: '#fff', fontSize: 16, fontWeight: '600' },
  secondaryText: { color: colors.primary },
  badge: { paddingHorizontal: 8, paddingVertical: 2, borderRadius: 10, alignSelf: 'flex-start' },
  badgeText: { fontSize: 13, fontWeight: '700' },
  banner: { borderWidth: 1, borderRadius: 8, padding: 10, gap: 6, marginBottom: 10 },
  section: { backgroundColor: colors.card, borderRadius: 10, padding: 12, gap: 6, marginBottom: 10 },
  sectionTitle: { fontSize: 15, fontWeight: '700', color: colors.text },
  text: { fontSize: 15, color: colors.text },
  muted: { fontSize: 14, color: colors.muted },
  input: {
    borderWidth: 1, borderColor: '#6b7280', borderRadius: 8, padding: 10, fontSize: 16, color: colors.text,
    backgroundColor: '#fff',
  },
});
