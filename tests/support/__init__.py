"""Test support shared by every test folder, one concept per module (import the module you need):

- `polling`      wait_until: poll a condition with a deadline
- `sql`          query / scalar on a database URL
- `environment`  the environment of child processes; settings() re-read in this process
- `processes`    bayflow's console scripts, free ports, subprocess groups, worker processes
- `servers`      a real HTTP server on 127.0.0.1 in a thread
- `supabase`     a fake Supabase project: signing keys, its JWKS over HTTP, tokens, app settings
- `people`       a small shop's users, profiles and technicians
"""
