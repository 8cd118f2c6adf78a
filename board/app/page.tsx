"use client";
import BoardView from "@/components/BoardView";
import { useStaff } from "@/lib/session";

export default function BoardPage() {
  const me = useStaff();
  return me ? <BoardView me={me} /> : <p className="loading">Signing in…</p>;
}
