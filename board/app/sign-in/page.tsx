"use client";
// Sign in: a demo user from bayflow's dev issuer, or email and password through Supabase Auth.
import { useEffect, useState, type FormEvent } from "react";
import { api, errorText, ok, setToken, type Schemas } from "@/lib/api";
import { TECH_APP_PATH } from "@/lib/session";
import { ProblemBanner } from "@/components/ProblemBanner";

type AuthConfig = Schemas["AuthConfig"];
type DevUser = Schemas["DevUser"];

async function enter(token: string): Promise<void> {
  setToken(token);
  const me = await ok(api.GET("/v1/me"));
  window.location.assign(me.role === "tech" ? TECH_APP_PATH : "/board/");
}

export default function SignIn() {
  const [config, setConfig] = useState<AuthConfig | null>(null);
  const [users, setUsers] = useState<DevUser[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  useEffect(() => {
    ok(api.GET("/v1/auth/config"))
      .then(async (c) => {
        setConfig(c);
        if (c.mode === "dev") setUsers(await ok(api.GET("/v1/dev/users")));
      })
      .catch((e) => setProblem(errorText(e)));
  }, []);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setProblem(null);
    try {
      await action();
    } catch (e) {
      setToken(null);
      setProblem(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  function asDemoUser(user: DevUser) {
    return run(async () => {
      const token = await ok(api.POST("/v1/dev/token", { body: { email: user.email } }));
      await enter(token.access_token);
    });
  }

  function withPassword(event: FormEvent) {
    event.preventDefault();
    return run(async () => {
      if (!config?.supabase_url || !config.supabase_anon_key) throw new Error("Supabase is not configured");
      const { createClient } = await import("@supabase/supabase-js");
      const supabase = createClient(config.supabase_url, config.supabase_anon_key, {
        auth: { persistSession: false, autoRefreshToken: false },
      });
      const { data, error } = await supabase.auth.signInWithPassword({ email, password });
      if (error || !data.session) throw new Error(error?.message ?? "sign-in failed");
      await enter(data.session.access_token);
    });
  }

  return (
    <main className="sign-in">
      <h1>bayflow</h1>
      <p>Dispatcher board — sign in</p>
      <ProblemBanner text={problem} />
      {config?.mode === "dev" && (
        <section aria-label="Demo users">
          <h2>Sign in as a demo user</h2>
          <ul className="user-list">
            {users.map((u) => (
              <li key={u.id}>
                <button type="button" disabled={busy} onClick={() => asDemoUser(u)} data-email={u.email}>
                  <strong>{u.display_name}</strong> <span className="muted">{u.role} · {u.email}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {config?.mode === "supabase" && (
        <form onSubmit={withPassword} aria-label="Sign in with email">
          <label>
            Email <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="username" />
          </label>
          <label>
            Password
            <input type="password" required value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" />
          </label>
          <button type="submit" disabled={busy}>Sign in</button>
        </form>
      )}
    </main>
  );
}
