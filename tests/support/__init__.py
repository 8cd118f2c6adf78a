"""Test support shared by every test folder, one concept per module (import the module you need):

- `polling`      wait_until: poll a condition with a deadline
- `sql`          query / scalar on a database URL
- `environment`  the environment of child processes; settings() re-read in this process
- `processes`    bayflow's console scripts, free ports, subprocess groups, worker processes
- `servers`      a real HTTP server on 127.0.0.1 in a thread; a webhook receiver with scripted answers
- `supabase`     a fake Supabase project: signing keys, its JWKS over HTTP, tokens, app settings
- `shop`         the one test shop every folder shares: its people (Ana and Ben), its lifts
- `board_shop`   the dispatcher board's work on top of the shared shop
- `imports`      a work-orders CSV writer; the import step run as its actor runs it
- `rabbitmq`     whether the machine's RabbitMQ is reachable
- `web`          bayflow serving the front ends, and their browser tests
"""
