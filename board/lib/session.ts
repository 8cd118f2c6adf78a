"use client";
// Who is signed in: the token in this tab's session storage and the caller's profile from /v1/me.
// Without a valid token the page goes to sign-in; technicians go to the technician app.
import { useEffect, useState } from "react";
import { api, getToken, ok, setToken, type Schemas } from "./api";

export type Me = Schemas["Me"];

export const SIGN_IN_PATH = "/board/sign-in/";
export const TECH_APP_PATH = "/tech/";

export function signOut(): void {
  setToken(null);
  window.location.assign(SIGN_IN_PATH);
}

/** The signed-in staff member, or null while loading (redirects away otherwise). */
export function useStaff(): Me | null {
  const [me, setMe] = useState<Me | null>(null);
  useEffect(() => {
    if (!getToken()) {
      window.location.assign(SIGN_IN_PATH);
      return;
    }
    const unauthorized = () => signOut();
    window.addEventListener("bayflow:unauthorized", unauthorized);
    ok(api.GET("/v1/me"))
      .then((profile) => {
        if (profile.role === "tech") window.location.assign(TECH_APP_PATH);
        else setMe(profile);
      })
      .catch(() => signOut());
    return () => window.removeEventListener("bayflow:unauthorized", unauthorized);
  }, []);
  return me;
}
