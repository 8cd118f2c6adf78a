"""bayflow's HTTP API: FastAPI app, Supabase JWT auth, per-request RLS transactions."""
