import type { NextConfig } from "next";

// A static export served by bayflow's FastAPI at /board (one origin: no CORS, no Node server).
const config: NextConfig = {
  output: "export",
  basePath: "/board",
  trailingSlash: true,
  images: { unoptimized: true },
  reactStrictMode: true,
};

export default config;
