/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The build lands inside the Python package, which serves it at "/".
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../src/modelyard/server/static",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { "/api": process.env.MODELYARD_URL ?? "http://127.0.0.1:8200" },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
  },
});
