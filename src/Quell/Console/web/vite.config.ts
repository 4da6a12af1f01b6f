import { defineConfig, type Plugin } from "vite";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

// The built files are committed; build-stamp.json names the hash of the sources they came from, and a test in
// Quell.Tests recomputes it so a source change without a rebuild fails the build's tests.
const stamped = ["index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts", "src"];

function files(root: string, path: string): string[] {
  const full = join(root, path);
  if (statSync(full).isDirectory()) {
    return readdirSync(full).flatMap((name) => files(root, join(path, name)));
  }
  return [path.split(sep).join("/")];
}

export function sourceHash(root: string): string {
  const all = stamped.flatMap((p) => files(root, p)).sort();
  const h = createHash("sha256");
  for (const f of all) {
    const text = readFileSync(join(root, f), "utf8").replace(/\r\n/g, "\n");
    h.update(`${f}\n${createHash("sha256").update(text, "utf8").digest("hex")}\n`);
  }
  return h.digest("hex");
}

function stamp(): Plugin {
  let outDir = "";
  return {
    name: "quell-build-stamp",
    configResolved(c) {
      outDir = c.build.outDir;
    },
    closeBundle() {
      const root = fileURLToPath(new URL(".", import.meta.url));
      writeFileSync(join(outDir, "build-stamp.json"), JSON.stringify({ sources: sourceHash(root) }, null, 2) + "\n");
      console.log(`build-stamp: ${relative(root, outDir)}`);
    },
  };
}

export default defineConfig({
  base: "/",
  plugins: [stamp()],
  build: {
    outDir: "../dist",
    emptyOutDir: true,
    assetsDir: "assets",
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: "es2022",
    chunkSizeWarningLimit: 400,
  },
});
