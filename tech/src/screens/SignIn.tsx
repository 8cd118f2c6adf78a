/** Sign in: pick a demo user (dev issuer) or email and password (Supabase Auth). */
import { useEffect, useState } from 'react';
import { ScrollView, Text, TextInput, View } from 'react-native';

import { request } from '../api';
import { authConfig, signInDev, signInSupabase, type Session } from '../session';
import type { AuthConfig, DevUser } from '../types';
import { Banner, Button, Section, colors, styles } from '../ui';

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [config, setConfig] = useState<AuthConfig | null>(null);
  const [users, setUsers] = useState<DevUser[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  useEffect(() => {
    authConfig()
      .then(async (c) => {
        setConfig(c);
        if (c.mode === 'dev') {
          const all = await request<DevUser[]>('GET', '/v1/dev/users');
          // Technicians first: this is their app.
          setUsers([...all].sort((a, b) => Number(b.role === 'tech') - Number(a.role === 'tech') || a.display_name.localeCompare(b.display_name)));
        }
      })
      .catch((e: Error) => setError(`Cannot reach bayflow: ${e.message}`));
  }, []);

  async function attempt(label: string, signIn: () => Promise<Session>) {
    setBusy(label);
    setError(null);
    try {
      onSignedIn(await signIn());
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  }

  return (
    <ScrollView contentContainerStyle={{ padding: 16, gap: 12 }}>
      <Text role="heading" style={{ fontSize: 24, fontWeight: '700', color: colors.text }}>bayflow · technician</Text>
      {error ? <Banner tone="danger"><Text style={styles.text}>{error}</Text></Banner> : null}
      {config?.mode === 'dev' ? (
        <Section title="Sign in as a demo user">
          {users.map((u) => (
            <Button key={u.id} tone={u.role === 'tech' ? 'primary' : 'secondary'} testID={`user-${u.email}`}
                    label={`${u.display_name} · ${u.role}`} busy={busy === u.email}
                    onPress={() => attempt(u.email, () => signInDev(u.email))} />
          ))}
        </Section>
      ) : null}
      {config?.mode === 'supabase' ? (
        <Section title="Sign in">
          <TextInput style={styles.input} placeholder="Email" autoCapitalize="none" keyboardType="email-address"
                     autoComplete="email" aria-label="Email" value={email} onChangeText={setEmail} />
          <TextInput style={styles.input} placeholder="Password" secureTextEntry autoComplete="password"
                     aria-label="Password" value={password} onChangeText={setPassword}
                     onSubmitEditing={() => attempt('password', () => signInSupabase(config, email, password))} />
          <Button label="Sign in" busy={busy === 'password'} disabled={!email || !password}
                  onPress={() => attempt('password', () => signInSupabase(config, email, password))} />
        </Section>
      ) : null}
      {!config && !error ? <Text style={styles.muted}>Connecting…</Text> : null}
      <View style={{ height: 24 }} />
    </ScrollView>
  );
}
